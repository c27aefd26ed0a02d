/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging in the OpenSMTPD manner: log_warn appends strerror(errno),
 * log_warnx does not; fatal/fatalx exit. Never pass secrets to these.
 */
#ifndef ZS_LOG_H
#define ZS_LOG_H

#include <stdarg.h>

#define ZS_LOG_ERR	0
#define ZS_LOG_WARN	1
#define ZS_LOG_INFO	2
#define ZS_LOG_DEBUG	3

/* Set up logging: to stderr when foreground, else to syslog. */
void	log_init(const char *progname, int foreground, int level);
/* Change the verbosity at run time. */
void	log_setlevel(int level);
/* Return the current verbosity. */
int	log_getlevel(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Log and exit(1): start-up errors and broken invariants only. */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2)))
	    __attribute__((noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2)))
	    __attribute__((noreturn));

#endif /* ZS_LOG_H */
