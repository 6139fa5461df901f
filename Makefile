# supernode: two commands from a fresh clone.
#   make demo   installs what is missing, builds in release mode, compares CloudMatrix384 with GB200 NVL72
#   make test   installs what is missing and runs the whole test suite
.PHONY: demo test build setup golden install clean readme bench

PREFIX ?= /usr/local
SWIFT_FLAGS ?=
BIN := .build/release/supernode

setup:
	@scripts/setup.sh

build: setup
	swift build -c release --traits MPI $(SWIFT_FLAGS)

demo: build
	@echo
	@echo '$$ supernode compare gb200-nvl72 cloudmatrix384 --model deepseek-r1'
	@$(BIN) compare gb200-nvl72 cloudmatrix384 --model deepseek-r1

# The tests include the MPI backend (mpirun --oversubscribe), so they build with the MPI trait.
test: setup
	swift build --build-tests --traits MPI $(SWIFT_FLAGS)
	swift test --skip-build --traits MPI $(SWIFT_FLAGS)

# Speed figures (release build): cost-model predictions per second; the runtime's GEMM against C, in-process
# all-reduce against Open MPI and memcpy, and MoE scaling from 1 to 2 ranks.
bench: setup
	swift build -c release --traits MPI $(SWIFT_FLAGS)
	.build/release/supernode-bench

# Rewrites the golden files under Tests/CLITests/Golden after an intended output change; review the diff.
golden: setup
	SUPERNODE_UPDATE_GOLDEN=1 swift test --traits MPI $(SWIFT_FLAGS)

# Installs the binary with its catalog resource bundles next to it.
install: build
	install -d $(PREFIX)/bin
	install -m 755 $(BIN) $(PREFIX)/bin/supernode
	cp -R .build/release/*.resources $(PREFIX)/bin/

clean:
	swift package clean

# Refreshes the command outputs shown in README.md from the release binary.
readme: build
	scripts/update-readme.py $(BIN)
