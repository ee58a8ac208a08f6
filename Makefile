# SPDX-License-Identifier: GPL-2.0
#
# odx: `make` builds the module (for KERNEL=debug by default; debian-6.1 and
# debian-6.12 are the stock Debian kernels) and the test programs; `make test` runs
# every test; `make run` is the demo. Each sets up what it needs on a fresh Debian
# machine (packages, the debug kernel, cached under ~/.cache/odx).
#
# The module itself is plain Kbuild: `make -C $KDIR M=$PWD` works too; the
# scripts build in build/<kernel>/ so the three kernels do not clobber each other.

KERNEL ?= debug

.PHONY: all setup module tests test kunit check fuzz bench run install clean help

all: module tests

setup:
	@scripts/setup.sh

module: setup
	@scripts/build-module.sh $(KERNEL)

tests: setup
	@$(MAKE) -s -C tests
	@$(MAKE) -s -C tests/token
	@$(MAKE) -s -C tests/hardening
	@$(MAKE) -s -C tests/scsi
	@$(MAKE) -s -C tools

test:
	@scripts/test.sh

kunit: setup
	@scripts/kunit.sh

check: setup
	@scripts/check.sh checkpatch && scripts/check.sh sparse

fuzz: setup
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-600} scripts/host-tests/fuzz-dsm.sh

bench: setup
	@command -v gnuplot >/dev/null || apt-get install -y -qq gnuplot-nox >/dev/null
	@scripts/bench.sh

run: setup module tests
	@scripts/demo.sh

install:
	@$(MAKE) -C tools install

clean:
	rm -rf build

help:
	@sed -n '3,10p' Makefile
