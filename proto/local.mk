# SPDX-License-Identifier: Apache-2.0
# The request validator (the only one): JSON to struct zs_sign_req.
libzsign_a_SOURCES += proto/proto.c proto/proto.h
