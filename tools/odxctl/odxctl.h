/* SPDX-License-Identifier: GPL-2.0 */
/*
 * odxctl's internal header: what every part shares. Each concern has its own
 * header beside this one:
 *
 *	main.c		the command table, help texts and dispatch
 *	args.[ch]	argument, size, range and option parsing
 *	dev.[ch]	device lookup and sysfs
 *	token.[ch]	token text and files
 *	out.[ch]	messages, sizes for people, JSON (json-c)
 *	advice.[ch]	what an errno means and how to fix it
 *	cmd_dev.c	create, remove, list, info
 *	cmd_token.c	token, write, release, revoke, zero
 *	cmd_copy.c	copy
 *	lio.[ch]	LIO's configfs: backstores, fabric LUNs, modules
 *	cmd_export.c	export, unexport, exports
 */
#ifndef ODXCTL_H
#define ODXCTL_H

#include <stdint.h>

#ifndef ODX_VERSION
#error "ODX_VERSION must come from dkms.conf (see tools/Makefile)"
#endif

/* Exit status (documented in odxctl.8 and every --help). */
#define RC_OK			0	/* success */
#define RC_FAIL			1	/* the operation failed */
#define RC_USAGE		2	/* bad command line, size, range or token text */
#define RC_TOKEN		3	/* the kernel rejected the token (EKEYREJECTED) */
#define RC_NODEV		4	/* no such device, or a module (odx, LIO) is not loaded */

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)		__attribute__((format(printf, a, b)))

/* The subcommand running, for messages (main.c sets it). */
extern const char *cmd_name;

/* A subcommand: argv[0] is its name; it returns the exit status. */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *help;
};

/* Print the help of command @name on standard output; RC_OK. */
int print_help(const char *name);

/* The handlers (cmd_*.c). */
int cmd_create(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_write(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_zero(int argc, char **argv);
int cmd_copy(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_unexport(int argc, char **argv);
int cmd_exports(int argc, char **argv);

#endif /* ODXCTL_H */
