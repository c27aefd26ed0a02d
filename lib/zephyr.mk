# SPDX-License-Identifier: Apache-2.0
# Zephyr build-directory parsing (.config, CMakeCache.txt, devicetree).
EXTRA_DIST += tests/fixtures/zephyr
