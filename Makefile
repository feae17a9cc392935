# refkernel bench: top-level build. Each component has its own Makefile and is
# built recursively with BUILD pointing here; outputs go to build/ (see
# ../shared/design.md "Build outputs").
BUILD   := $(abspath build)
W       ?= hello
COMPONENTS := workloads refkernel baselines harness
export BUILD

.PHONY: all deps deps-check test fuzz bench reproduce run debug bake rootfs clean $(COMPONENTS)

all: deps-check $(COMPONENTS)

deps:
	./scripts/deps.sh

# Install packages only when one is missing (cheap check).
deps-check:
	@./scripts/deps.sh >/dev/null || ./scripts/deps.sh

workloads:
	$(MAKE) -C workloads
refkernel: workloads
	$(MAKE) -C refkernel
baselines: workloads
	$(MAKE) -C baselines
harness:
	$(MAKE) -C harness

# Every component's "test" target writes TAP files to build/test-results/;
# one failing component does not stop the others. The last line is the count.
test: deps-check
	@rm -rf $(BUILD)/test-results && mkdir -p $(BUILD)/test-results
	@for c in $(COMPONENTS); do \
		echo "== $$c: test"; \
		$(MAKE) -C $$c test || echo $$c >> $(BUILD)/test-results/failed-components; \
	done
	@./scripts/test-tap-summary.sh > $(BUILD)/test-results/scripts-tap-summary.tap
	@./scripts/tap-summary.sh $(BUILD)/test-results

# Long fuzzing campaigns (make test runs a short smoke run of each): the
# stack's frame input, the kernel's cpio reader and syscalls, the workloads'
# parsers. FUZZ_TIME (s, per libFuzzer target) and FUZZ_CALLS tune them.
fuzz: deps-check workloads
	$(MAKE) -C refkernel/net fuzz
	$(MAKE) -C refkernel fuzz
	$(MAKE) -C workloads fuzz-run

# The main job: the default comparison (experiments/default.ini), then its table.
bench: all
	$(BUILD)/ukbench bench experiments/default.ini; st=$$?; \
	$(BUILD)/ukbench report results/latest; \
	$(BUILD)/ukbench plot results/latest > /dev/null; \
	$(BUILD)/ukbench report --html results/latest; exit $$st

# The published figures (docs/reproduce.md): every experiments/papers/*.ini,
# or FIG=<name> (blank-separated names: several); each writes its result set
# with report.md and the plot in the paper's form (paper-<fig>.svg). Long:
# progress and the time left on a terminal. Peers' images: UKB_PEERS.
reproduce: all
	./scripts/reproduce.sh $(FIG)

run: refkernel
	$(MAKE) -C refkernel run W=$(W)
debug: refkernel
	$(MAKE) -C refkernel debug W=$(W)
bake:
	$(MAKE) -C refkernel bake BIN=$(abspath $(BIN)) IMG=$(abspath $(IMG)) $(if $(ROOTFS),ROOTFS=$(abspath $(ROOTFS)))
# make rootfs BIN=<x86-64 ELF> [ROOTFS=<dir>] OUT=<file.cpio>
rootfs:
	@test -n "$(BIN)" -a -n "$(OUT)" || { echo "usage: make rootfs BIN=<x86-64 ELF> [ROOTFS=<dir>] OUT=<file.cpio>"; exit 2; }
	$(MAKE) -C refkernel rootfs BIN=$(abspath $(BIN)) OUT=$(abspath $(OUT)) $(if $(ROOTFS),ROOTFS=$(abspath $(ROOTFS)))

clean:
	rm -rf $(BUILD)
