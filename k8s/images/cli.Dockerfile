# syntax=docker/dockerfile:1
# The alora command-line client (client/ALoRA.Cli, alora.dll), e.g. for the alora-submit Job. Build from the
# repository root (BuildKit):
#   docker build -f k8s/images/cli.Dockerfile -t alora/cli:dev .
# Image name: alora/cli, as in k8s/base. Files left out of the build context: cli.Dockerfile.dockerignore.
# Run: docker run --rm alora/cli:dev submit /specs/sweep.yaml --gateway HOST:30000 (or ALORA_GATEWAY=HOST:30000).
#
# The thin alora.dll carries no grains and no TorchSharp; ALoRA.Cli.Local (the grains and TorchSharp CPU), published
# into the same folder, is loaded only by `alora demo`, `train`, `score` and `--local`. TorchSharp 0.107 needs
# GLIBCXX_3.4.32, which Ubuntu 24.04 (GCC 14 libstdc++) has.

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
COPY client/ client/
RUN find src client -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
RUN --mount=type=cache,id=alora-nuget,target=/root/.nuget/packages \
    dotnet publish client/ALoRA.Cli/ALoRA.Cli.csproj -c Release -p:TorchBackend=cpu -p:UseAppHost=false -o /app \
 && dotnet publish client/ALoRA.Cli.Local/ALoRA.Cli.Local.csproj -c Release -p:TorchBackend=cpu -o /app

FROM mcr.microsoft.com/dotnet/runtime:${DOTNET_VERSION}-noble AS final
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && lib=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}') \
 && { grep -qa GLIBCXX_3.4.32 "$lib" || { echo "$lib lacks GLIBCXX_3.4.32, which TorchSharp 0.107 needs" >&2; exit 1; }; } \
 && printf '#!/bin/sh\nexec dotnet /app/alora.dll "$@"\n' > /usr/local/bin/alora \
 && chmod 755 /usr/local/bin/alora
WORKDIR /app
COPY --from=build /app ./
# Same path as in the silo images: specs that name /opt/alora/samples/... validate here and train there.
COPY samples/ /opt/alora/samples/
USER 1654
WORKDIR /home/app
ENTRYPOINT ["dotnet", "/app/alora.dll"]
