/* SPDX-License-Identifier: Apache-2.0 */
/* imgtool 2.4.0's --help texts for `zsign-client imgtool`. */
#ifndef ZS_IMGTOOL_HELP_H
#define ZS_IMGTOOL_HELP_H

/*
 * The help of command cmd ("" for the command list) after its usage line,
 * or NULL for an unknown command.
 */
const char	*imgtool_help(const char *cmd);

#endif /* ZS_IMGTOOL_HELP_H */
