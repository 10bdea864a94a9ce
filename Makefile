# logitscope: a terminal explorer for LLM sampling.
#
# Targets
#   make            build ./logitscope
#   make deps       install the Debian packages the build and the tests need
#                   (make check adds clang-14: deps-check)
#   make run        build and open the explorer live on the built-in model
#   make check      every test: core boundary, unit (cmocka), CLI golden, TUI,
#                   fuzz-corpus replay, the fuzz targets compiled with clang-14,
#                   then unit + CLI again under ASan+UBSan
#   make samples    regenerate samples/ from scratch (demo files, corpus, default model)
#   make bench      benchmarks (figures and ratios, never pass/fail)
#   make samples-dataset  regenerate samples/dataset/ (prompts + model B, dump pair)
#   make fuzz       libFuzzer each loader for FUZZ_TIME seconds (clang-14)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
#
# Knobs: WERROR=1 (CI), SAN=1 (sanitizer build, used by check; it also checks the invariants
# that code keeps by convention: LS_CHECK_INVARIANTS), B=build dir.
# Sources are found by wildcard: a new core/x.c or tests/unit/test_x.c is
# picked up without editing this file.

CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
PKG_CONFIG ?= pkg-config
PREFIX  ?= /usr/local
DESTDIR ?=
B       ?= build
FUZZ_TIME ?= 60

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Wcast-qual -Wundef -Wconversion -Wno-sign-conversion \
        -Wpointer-arith -Wwrite-strings -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif

OPT     ?= -O2 -g
SANFLAGS := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SAN),1)
OPT      := -O1 -g
EXTRA_LD := $(SANFLAGS)
OPT      += $(SANFLAGS) -DLS_CHECK_INVARIANTS
endif

# V=1 shows full compiler command lines
Q := @
ifeq ($(V),1)
Q :=
endif

DEFS    := -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE
# core/ sees cJSON and zlib only: an accidental curses/readline include fails to compile.
CORE_PKGS := libcjson zlib
TUI_PKGS  := ncursesw readline
pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

CFLAGS_BASE := -std=c11 $(WARN) $(OPT) $(DEFS) -MMD -MP
CORE_CFLAGS := $(CFLAGS_BASE) $(call pc_cflags,$(CORE_PKGS)) -Icore
TUI_CFLAGS  := $(CFLAGS_BASE) $(filter-out -D_XOPEN_SOURCE%,$(call pc_cflags,$(CORE_PKGS) $(TUI_PKGS))) -Icore -Itui
CORE_LIBS   := $(call pc_libs,$(CORE_PKGS)) -lm
TUI_LIBS    := $(call pc_libs,$(TUI_PKGS)) $(CORE_LIBS)

CORE_SRC := $(sort $(wildcard core/*/*.c))
TUI_SRC  := $(sort $(wildcard tui/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard tests/bench/bench_*.c))

CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
TUI_OBJ  := $(TUI_SRC:%.c=$(B)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/tests/replay_%)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/tests/%)
LIBCORE  := $(B)/libcore.a
BIN      := logitscope
ifneq ($(B),build)
BIN      := $(B)/logitscope
endif

DEB_PKGS := gcc make pkg-config libncurses-dev libcjson-dev libreadline-dev \
            libcmocka-dev zlib1g-dev tmux python3
# make check's own: clang-14 compiles the fuzz targets (run_fuzz.sh --compile-check)
CHECK_PKGS := clang-14

.PHONY: samples all deps deps-check run check check-core-pure unit cli-test tui-test fuzz-replay \
        check-san bench fuzz install clean docs-check samples-dataset

all: $(BIN)

$(B)/core/%.o: core/%.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CORE_CFLAGS) -c $< -o $@

# vmath passes 8-lane vectors between always-inline helpers only: GCC's
# note about the vector ABI does not apply (see core/base/vmath.c)
$(B)/core/base/vmath.o: CORE_CFLAGS += -Wno-psabi
$(B)/core/base/vmath_expf.o: CORE_CFLAGS += -Wno-psabi
$(B)/core/base/vmath_fdiv_list.o $(B)/core/base/vmath_torch_expf.o $(B)/core/base/vmath_exp_ids.o: CORE_CFLAGS += -Wno-psabi
$(B)/core/base/vmath_divblk.o: CORE_CFLAGS += -Wno-psabi

$(B)/tui/%.o: tui/%.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(TUI_CFLAGS) -c $< -o $@

$(LIBCORE): $(CORE_OBJ)
	@mkdir -p $(@D)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BIN): $(TUI_OBJ) $(LIBCORE)
	@echo "  LINK    $@"
	$(Q)$(CC) $(EXTRA_LD) -o $@ $(TUI_OBJ) $(LIBCORE) $(TUI_LIBS)

# Unit tests link core only (no curses, no readline): the boundary holds at link time too.
$(B)/tests/test_%: tests/unit/test_%.c $(LIBCORE)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(CORE_CFLAGS) $(call pc_cflags,cmocka) -Itests/unit -Itests/common -o $@ $< $(LIBCORE) $(call pc_libs,cmocka) $(CORE_LIBS) $(EXTRA_LD)

# Fuzz targets replayed over their corpus by a plain driver (no libFuzzer needed).
$(B)/tests/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c $(LIBCORE)
	@mkdir -p $(@D)
	@echo "  REPLAY  $@"
	$(Q)$(CC) $(CORE_CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIBCORE) $(CORE_LIBS) $(EXTRA_LD)

$(B)/tests/bench_%: tests/bench/bench_%.c $(LIBCORE)
	@mkdir -p $(@D)
	@echo "  BENCH   $@"
	$(Q)$(CC) $(CORE_CFLAGS) -Itests/bench -Itests/common -o $@ $< $(LIBCORE) $(CORE_LIBS) $(EXTRA_LD)

# Every sample from its script, deterministically; the default model is
# trained on the synthetic corpus (samples/gen_corpus.py), and the demo is a
# dump of it (seed 4 writes a whole JSON record from the start of text).
samples: $(BIN)
	python3 samples/gen_binary.py
	python3 samples/gen_api.py
	python3 samples/gen_corpus.py > samples/corpus.txt
	./$(BIN) train samples/corpus.txt -o samples/model.lsm
	./$(BIN) dump --model samples/model.lsm --prompt '' --seed 4 --temperature 0.8 -o samples/demo.json

deps:
	@sh tests/tools/deps.sh $(DEB_PKGS)

deps-check:
	@sh tests/tools/deps.sh $(DEB_PKGS) $(CHECK_PKGS)

run: deps
	@$(MAKE) --no-print-directory all
	./$(BIN)

check-core-pure:
	@sh tests/check_core_pure.sh
	@sh tests/tools/check_func_lengths.sh

unit: $(UNIT_BIN)
	@sh tests/tools/run_units.sh $(UNIT_BIN)

cli-test: $(BIN)
	@sh tests/cli/run.sh ./$(BIN)

tui-test: $(BIN)
	@if [ -x tests/tui/run.sh ]; then sh tests/tui/run.sh ./$(BIN); else echo "tui-test: none yet"; fi

fuzz-replay: $(REPLAY_BIN)
	@sh tests/tools/replay.sh $(REPLAY_BIN)

# One pass of the unit, CLI and corpus tests under ASan+UBSan in a separate tree.
check-san:
	@$(MAKE) --no-print-directory B=build/san SAN=1 unit cli-test tui-test fuzz-replay

check: deps-check
	@$(MAKE) --no-print-directory check-core-pure
	@$(MAKE) --no-print-directory all unit cli-test tui-test fuzz-replay
	@python3 tests/tools/check_cycles.py $(B)
	@sh tests/tools/check_simd_paths.sh $(B)
	@sh tests/tools/stdsort_gxx/check.sh $(B)
	@sh tests/fuzz/run_fuzz.sh --compile-check
	@$(MAKE) --no-print-directory check-san
	@$(MAKE) --no-print-directory docs-check
	@echo "make check: all tests passed"

docs-check: $(BIN)
	@if [ -x tests/tools/docs_check.sh ]; then sh tests/tools/docs_check.sh ./$(BIN); fi

bench: all $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done
	@if [ -x tests/bench/run.sh ]; then sh tests/bench/run.sh ./$(BIN); fi

fuzz:
	@sh tests/fuzz/run_fuzz.sh $(FUZZ_TIME)

# The sample datasets for `dataset eval`: 200 prompts for two versions of the
# built-in model (A = samples/model.lsm; B = the same synthetic corpus at
# order 3) and the synthetic dump pair the tests use.
samples-dataset: $(BIN)
	python3 samples/gen_dataset.py
	python3 samples/gen_corpus.py > samples/corpus.txt
	./$(BIN) train samples/corpus.txt --order 3 -o samples/dataset/model_b.lsm

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/logitscope
	@if [ -f docs/logitscope.1 ]; then install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
	  install -m 644 docs/logitscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/logitscope.1; fi
	install -d $(DESTDIR)$(PREFIX)/share/logitscope
	install -m 644 samples/demo.json $(DESTDIR)$(PREFIX)/share/logitscope/demo.json
	install -m 644 samples/model.lsm $(DESTDIR)$(PREFIX)/share/logitscope/model.lsm

clean:
	rm -rf build logitscope

-include $(CORE_OBJ:.o=.d) $(TUI_OBJ:.o=.d) $(UNIT_BIN:=.d)
