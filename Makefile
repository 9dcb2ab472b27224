# ALoRA.Orleans — every target does its own set-up (native runtime check, restore, build).
DOTNET ?= dotnet
CONFIG ?= Release
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: all setup redis build test demo bench clean

all: build

## setup: make sure TorchSharp's native runtime can load (Debian 12: libstdc++ from Debian 13)
setup:
	@bash scripts/ensure-native-runtime.sh

## build: restore and build the whole solution
build: setup
	$(DOTNET) build ALoRA.Orleans.sln -c $(CONFIG) -nologo -clp:ErrorsOnly -p:TorchBackend=$(or $(TORCH_BACKEND),cpu)

## redis: make sure redis-server is installed (tests and the load benchmark start their own private instances)
redis:
	@bash scripts/ensure-redis.sh

## test: run every test project; ends with "N passed, N failed"
test: build redis
	@CONFIG=$(CONFIG) bash scripts/test-summary.sh

## demo: fine-tune stories260K with LoRA on SST-2 on this machine (a few minutes on 2 cores)
demo: build
	$(DOTNET) client/ALoRA.Cli/bin/$(CONFIG)/net10.0/alora.dll demo $(ARGS)

## bench: training-step, forward and memory benchmark (prints one JSON object)
bench: build redis
	$(DOTNET) tests/ALoRA.Benchmarks/bin/$(CONFIG)/net10.0/ALoRA.Benchmarks.dll $(ARGS)

clean:
	$(DOTNET) clean ALoRA.Orleans.sln -c $(CONFIG) -nologo
	rm -rf runs
