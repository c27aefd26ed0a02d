# SPDX-License-Identifier: Apache-2.0
# Manual pages and the documents shipped with the source.
dist_man_MANS += docs/zsignd.8 docs/zsignd.conf.5 docs/zsign-client.1
EXTRA_DIST += docs/PROTOCOL.md docs/SECURITY.md docs/pkcs11.md \
	docs/deploy-replicas.md
