# SPDX-License-Identifier: GPL-2.0
# The kernel's kselftest harness for the C guest tests: kselftest_harness.h and
# kselftest.h, extracted from Debian's kernel source tarball (linux-source-6.12,
# installed by `make setup`) into build/kselftest/ the first time. Not copied
# into this tree. Include it from a tests/*/Makefile after setting ODX_TOP
# (the project, relative or absolute) and naming the default goal first; add
# $(KSFT_HDRS) to the programs' prerequisites and $(KSFT_CFLAGS) to CFLAGS
# (-isystem: the harness is not built with -Wextra upstream). KSFT_DIR=DIR
# extracts elsewhere (the guest, whose view of build/ is read-only).
KSFT_TAR	?= /usr/src/linux-source-6.12.tar.xz
KSFT_DIR	?= $(ODX_TOP)/build/kselftest
KSFT_MEMBERS	:= tools/testing/selftests/kselftest_harness.h tools/testing/selftests/kselftest.h
# kselftest_harness.h stands for both (extracted together, it last and newest).
KSFT_HDRS	:= $(KSFT_DIR)/kselftest_harness.h
KSFT_CFLAGS	:= -isystem $(KSFT_DIR) -I$(ODX_TOP)/tests/lib

$(KSFT_DIR)/kselftest_harness.h:
	@test -f $(KSFT_TAR) || { echo "$(KSFT_TAR) is missing: run make setup (linux-source-6.12)" >&2; exit 1; }
	@mkdir -p $(KSFT_DIR)
	tar -xJf $(KSFT_TAR) -C $(KSFT_DIR) --strip-components=4 --occurrence=1 --touch \
		$(addprefix linux-source-6.12/,$(KSFT_MEMBERS))
	@touch $@
