// SPDX-License-Identifier: GPL-2.0
/*
 * odxctl: manage odx devices and copy by token from the command line.
 *
 *	odxctl create [--size SIZE] [--block-size 512|4096] [--index N]
 *	odxctl remove DEV
 *	odxctl list [--json]
 *	odxctl info DEV [--json]
 *	odxctl token DEV RANGE... [--ttl MS] [--out FILE] [--json]
 *	odxctl write DEV --token FILE|HEX [--token-offset N] RANGE... [--json]
 *	odxctl release DEV --token FILE|HEX
 *	odxctl revoke DEV [--json]
 *	odxctl zero DEV RANGE... [--json]
 *	odxctl copy SRC[@OFFSET] DST[@OFFSET] [--length N] [--json]
 *	odxctl export DEV --loop [--wwn naa.X] [--json]
 *	odxctl export DEV --iscsi [--iqn IQN] [--portal ADDR:PORT] [--json]
 *	odxctl unexport DEV
 *	odxctl exports [--json]
 *
 * DEV is /dev/odxN, odxN or N. A RANGE is OFFSET+LENGTH; sizes take binary
 * units (4K, 64M, 1G, 4KiB). See odxctl.8 for the whole story, including the
 * exit status. The ioctls go through libodx (tools/lib); odxctl.h says which
 * file holds what. This one: the command table, help texts and dispatch.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "libodx.h"
#include "dev.h"
#include "odxctl.h"
#include "out.h"

const char *cmd_name;

#define EXIT_HELP \
	"Exit status: 0 success, 1 the operation failed, 2 usage error (bad option,\n" \
	"size, range, alignment or token text), 3 invalid token (EKEYREJECTED),\n" \
	"4 no such device, or a module is not loaded (odx; for export: LIO's\n" \
	"target_core_mod, tcm_loop, iscsi_target_mod or odx_target).\n"

#define UNITS_HELP \
	"Sizes and offsets are bytes, with an optional unit: K, M, G, T (or KiB, MiB,\n" \
	"GiB, TiB; powers of 1024), e.g. 4096, 4K, 64M, 0x1000. A RANGE is\n" \
	"OFFSET+LENGTH, e.g. 1M+64K; both must be multiples of the logical block size.\n"

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "create", cmd_create, "create a device (/dev/odx-control)",
	  "Usage: odxctl create [--size SIZE] [--block-size 512|4096] [--index N]\n"
	  "\n"
	  "Create an odx device through /dev/odx-control and print its node, /dev/odxN.\n"
	  "\n"
	  "  -s, --size SIZE          capacity, a multiple of 4K up to 1T (default 64M)\n"
	  "  -b, --block-size BYTES   logical block size, 512 or 4096 (default: the\n"
	  "                           module's block_size parameter)\n"
	  "  -i, --index N            make /dev/odxN, N from 0 to 1023 (default: the\n"
	  "                           lowest free number)\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  "Needs CAP_SYS_ADMIN. Sizes take units: 4K, 64M, 1G, 4KiB (powers of 1024).\n"
	  EXIT_HELP },
	{ "remove", cmd_remove, "remove a device",
	  "Usage: odxctl remove DEV\n"
	  "\n"
	  "Remove odx device DEV (/dev/odxN, odxN or N); its data is gone and its\n"
	  "tokens are revoked. Fails with EBUSY while anyone has it open.\n"
	  "\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  "Needs CAP_SYS_ADMIN.\n"
	  EXIT_HELP },
	{ "list", cmd_list, "list the devices",
	  "Usage: odxctl list [--json]\n"
	  "\n"
	  "List the odx devices: node, size, logical block size, pages held and live\n"
	  "tokens minted on it (from /sys/block/odxN).\n"
	  "\n"
	  "  -j, --json               one JSON object: {\"devices\": [...]}\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  EXIT_HELP },
	{ "info", cmd_info, "show a device's capabilities, limits, counters and settings",
	  "Usage: odxctl info DEV [--json]\n"
	  "\n"
	  "Show DEV's copy offload capabilities (ODX_IOC_CAPS), its size and block\n"
	  "size, its counters and its settings (/sys/block/odxN/odx) and the module's\n"
	  "parameters.\n"
	  "\n"
	  "  -j, --json               one JSON object\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  EXIT_HELP },
	{ "token", cmd_token, "mint a token (offload read)",
	  "Usage: odxctl token DEV RANGE... [--ttl MS] [--out FILE] [--json]\n"
	  "\n"
	  "Offload read: mint a token for the data of RANGEs of DEV as they are now.\n"
	  "The token's 1024 hex digits go to standard output on a line of their own,\n"
	  "LengthProtected and whether the token was truncated to standard error\n"
	  "(standard output with --out FILE). A token is a bearer capability: whoever\n"
	  "has it can copy its data.\n"
	  "\n"
	  "  -t, --ttl MS             time to live after last use, in ms (or with a unit:\n"
	  "                           500ms, 30s, 5m, 1h); 0 = the default (30 s), longer\n"
	  "                           than max_ttl_ms is clamped\n"
	  "  -o, --out FILE           write the raw 512 bytes to FILE (mode 0600; - for\n"
	  "                           standard output) instead of the hex\n"
	  "  -j, --json               one JSON object with length_protected, truncated\n"
	  "                           and the token's hex (or token_file)\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  UNITS_HELP
	  "A token covers at most max_token_bytes (see 'odxctl info'): past that it is\n"
	  "truncated and covers a prefix of the ranges.\n"
	  EXIT_HELP },
	{ "write", cmd_write, "copy a token's data into ranges (offload write)",
	  "Usage: odxctl write DEV --token FILE|HEX [--token-offset N] RANGE... [--json]\n"
	  "\n"
	  "Offload write: the kernel copies the token's data, from TokenOffset on, into\n"
	  "the RANGEs of DEV in order, until they are full, the token's data runs out\n"
	  "or max_transfer_bytes is reached. Prints LengthCopied and the flags\n"
	  "(WRITE_RANGE_TRUNCATED when fewer bytes were copied than the ranges hold).\n"
	  "\n"
	  "  -t, --token FILE|HEX     the token: a file with the raw 512 bytes or their\n"
	  "                           hex (- for standard input), or the hex itself\n"
	  "  -O, --token-offset N     start this many bytes into the token's data\n"
	  "                           (a multiple of the block size; default 0)\n"
	  "  -j, --json               one JSON object with length_copied and flags\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  UNITS_HELP
	  EXIT_HELP },
	{ "release", cmd_release, "end a token now",
	  "Usage: odxctl release DEV --token FILE|HEX\n"
	  "\n"
	  "End the token now (ODX_IOC_RELEASE, SCSI's DEL_TKN), unpinning its pages.\n"
	  "DEV is any odx device; the token need not come from it.\n"
	  "\n"
	  "  -t, --token FILE|HEX     the token, as for 'odxctl write'\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  EXIT_HELP },
	{ "revoke", cmd_revoke, "end every token of a device",
	  "Usage: odxctl revoke DEV [--json]\n"
	  "\n"
	  "End every token minted on DEV now (ODX_IOC_REVOKE): whoever holds one can no\n"
	  "longer use it, and the pages it pinned are let go. Copies in flight finish.\n"
	  "Needs DEV open for writing (the owner of the data, not any reader). Prints\n"
	  "how many tokens were revoked.\n"
	  "\n"
	  "  -j, --json               one JSON object with revoked\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  EXIT_HELP },
	{ "zero", cmd_zero, "zero ranges with the zero token",
	  "Usage: odxctl zero DEV RANGE... [--json]\n"
	  "\n"
	  "Zero-fill the RANGEs of DEV with offload writes of the well-known zero token\n"
	  "(whole pages are freed), repeating until all of them are done.\n"
	  "\n"
	  "  -j, --json               one JSON object with bytes_zeroed\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  UNITS_HELP
	  EXIT_HELP },
	{ "copy", cmd_copy, "copy by token, as much as it takes",
	  "Usage: odxctl copy SRC[@OFFSET] DST[@OFFSET] [--length N] [--json]\n"
	  "\n"
	  "Copy N bytes from SRC at OFFSET to DST at OFFSET by token, looping over\n"
	  "offload reads and writes as the module's limits require; then print the\n"
	  "bytes copied, the time and the throughput. Overlapping ranges on one device\n"
	  "are copied right (backwards when DST is above SRC).\n"
	  "\n"
	  "  -l, --length N           bytes to copy (default: the rest of SRC)\n"
	  "  -j, --json               one JSON object with bytes_copied, seconds, ...\n"
	  "      --progress           show a progress bar on standard error at once\n"
	  "      --no-progress        never show one (by default it shows when standard\n"
	  "                           error is a terminal and the copy takes over 1 s)\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  "SRC and DST are /dev/odxN, odxN or N, with the same logical block size;\n"
	  "offsets and length are multiples of it and take units (e.g. odx0@1M).\n"
	  EXIT_HELP },
	{ "export", cmd_export, "export a device as a SCSI LUN (LIO: tcm_loop or iSCSI)",
	  "Usage: odxctl export DEV --loop [--wwn naa.X] [--json]\n"
	  "       odxctl export DEV --iscsi [--iqn IQN] [--portal ADDR:PORT] [--json]\n"
	  "\n"
	  "Serve DEV as a LUN of LIO, the kernel's SCSI target, through odx_target.ko's\n"
	  "backstore (made as core/odx_H/odxN unless one serves DEV already), with\n"
	  "copy offload (3PC, VPD 0x8F, POPULATE TOKEN, WRITE USING TOKEN) on it.\n"
	  "\n"
	  "  --loop                   a local SCSI disk through tcm_loop: prints its\n"
	  "                           /dev/sdX once it appears (waits up to 10 s)\n"
	  "  --wwn naa.X              the tcm_loop target's WWN, naa. and 16 hex digits\n"
	  "                           (default naa.50014050dd and the index, 6 digits);\n"
	  "                           an existing target gets another LUN\n"
	  "  --iscsi                  an iSCSI target: its portal group 1 takes any\n"
	  "                           initiator, without CHAP; prints the target, portal,\n"
	  "                           LUN and the iscsi:// URL of libiscsi's clients\n"
	  "  --iqn IQN                the target's name (default iqn.2026-12.org.odx:odxN)\n"
	  "  --portal ADDR:PORT       where it listens (default 0.0.0.0:3260; IPv6 as\n"
	  "                           [ADDR]:PORT)\n"
	  "  -j, --json               one JSON object: backstore, target, tpg, lun and\n"
	  "                           disk, or portal and url\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  "A device is exported once a fabric: exporting it there again is an error.\n"
	  "Missing modules are loaded with modprobe (target_core_mod, tcm_loop,\n"
	  "iscsi_target_mod, odx_target); the error names the one that is missing.\n"
	  "Needs root (LIO's configfs tree, /sys/kernel/config/target).\n"
	  EXIT_HELP },
	{ "unexport", cmd_unexport, "stop exporting a device",
	  "Usage: odxctl unexport DEV\n"
	  "\n"
	  "Remove every LIO LUN, of any fabric, that serves DEV's backstore, the targets\n"
	  "and portal groups odxctl made that are left empty, and the backstore. DEV\n"
	  "itself and its data stay. A backstore that made its device (size_mb=) stays\n"
	  "too, as removing it would remove the device.\n"
	  "\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  "Needs root.\n"
	  EXIT_HELP },
	{ "exports", cmd_exports, "list the odx backstores and where they are exported",
	  "Usage: odxctl exports [--json]\n"
	  "\n"
	  "List LIO's odx backstores: the device each serves and every LUN that links\n"
	  "to it (fabric, target WWN or IQN, portal group, LUN), with the /dev/sdX of a\n"
	  "tcm_loop LUN and the portals of an iSCSI one. Without LIO the list is empty.\n"
	  "\n"
	  "  -j, --json               one JSON object: {\"backstores\": [...]}\n"
	  "  -h, --help               show this help\n"
	  "\n"
	  EXIT_HELP },
	{ "help", cmd_help, "show help for a command", NULL },
};

static const char main_help[] =
	"Usage: odxctl COMMAND [OPTION]... [ARG]...\n"
	"       odxctl COMMAND --help\n"
	"\n"
	"Manage odx devices and copy their data by ODX token.\n"
	"\n"
	"Commands:\n"
	"  create [--size SIZE] [--block-size 512|4096] [--index N]\n"
	"  remove DEV\n"
	"  list [--json]\n"
	"  info DEV [--json]\n"
	"  token DEV RANGE... [--ttl MS] [--out FILE] [--json]\n"
	"  write DEV --token FILE|HEX [--token-offset N] RANGE... [--json]\n"
	"  release DEV --token FILE|HEX\n"
	"  revoke DEV [--json]\n"
	"  zero DEV RANGE... [--json]\n"
	"  copy SRC[@OFFSET] DST[@OFFSET] [--length N] [--json]\n"
	"  export DEV --loop [--wwn naa.X] [--json]\n"
	"  export DEV --iscsi [--iqn IQN] [--portal ADDR:PORT] [--json]\n"
	"  unexport DEV\n"
	"  exports [--json]\n"
	"  help [COMMAND]\n"
	"\n"
	"DEV is /dev/odxN, odxN or N.\n"
	UNITS_HELP
	EXIT_HELP
	"See odxctl(8).\n";

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int print_help(const char *name)
{
	const struct command *c = find_command(name);

	fputs(c->help, stdout);
	return RC_OK;
}

static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		fputs(main_help, stdout);
		return RC_OK;
	}
	c = find_command(argv[1]);
	if (!c) {
		cmd_name = NULL;
		return usage_error("unknown command '%s'", argv[1]);
	}
	fputs(c->help, stdout);
	return RC_OK;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		fputs(main_help, stderr);
		return RC_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(main_help, stdout);
		return RC_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		char ver[64];

		printf("odxctl %s (caps version %d); odx module: %s\n", ODX_VERSION,
		       ODX_CAPS_VERSION, module_version(ver, sizeof(ver)));
		return RC_OK;
	}
	c = find_command(argv[1]);
	if (!c)
		return usage_error("unknown command '%s'", argv[1]);
	cmd_name = c->name;
	optind = 1;
	opterr = 0;
	return c->fn(argc - 1, argv + 1);
}
