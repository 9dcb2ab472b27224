# syntax=docker/dockerfile:1
# The ALoRA silo (silo/ALoRA.Silo, alora-silo.dll). Build from the repository root (BuildKit):
#   docker build -f k8s/images/silo.Dockerfile -t alora/silo:dev .                                        # CPU
#   docker build -f k8s/images/silo.Dockerfile --build-arg TORCH_BACKEND=cuda -t alora/silo-cuda:dev .     # CUDA
# Image names: alora/silo (TORCH_BACKEND=cpu) and alora/silo-cuda (TORCH_BACKEND=cuda), as in k8s/base and
# k8s/overlays/gpu. Files left out of the build context: silo.Dockerfile.dockerignore beside this file.
#
# TorchSharp 0.107 (libtorch 2.10) loads libLibTorchSharp.so, which needs GLIBCXX_3.4.32 from libstdc++ (GCC 13+):
# both runtime bases are Ubuntu 24.04 (GCC 14 libstdc++), and the build fails below if that is ever not so.

ARG TORCH_BACKEND=cpu
ARG DOTNET_VERSION=10.0
# libtorch-cuda-12.8 is what TorchSharp-cuda-linux 0.107 brings; keep the CUDA base on 12.8.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# ---- build: dotnet publish with the chosen TorchSharp backend ----
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble AS build
ARG TORCH_BACKEND
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
COPY silo/ silo/
# bin/ and obj/ of a developer's checkout must not leak in (the .dockerignore beside this file drops them already).
RUN find src silo -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
RUN --mount=type=cache,id=alora-nuget,target=/root/.nuget/packages \
    dotnet publish silo/ALoRA.Silo/ALoRA.Silo.csproj -c Release -p:TorchBackend=${TORCH_BACKEND} \
      -p:UseAppHost=false -o /app \
 && find /app -name 'libLibTorchSharp.so' | grep -q . \
 && if [ "${TORCH_BACKEND}" = "cuda" ]; then lib=libtorch_cuda.so; else lib=libtorch_cpu.so; fi \
 && { find /app -name "$lib" | grep -q . || { echo "$lib is missing from the publish output (TORCH_BACKEND=${TORCH_BACKEND})" >&2; exit 1; }; }

# ---- runtime for TORCH_BACKEND=cpu: ASP.NET Core + .NET runtime on Ubuntu 24.04 ----
# aspnet rather than runtime: the silo's health endpoints (/health/ready, /health/live on 8080) are served by
# ASP.NET Core. The image has the non-root user app (uid 1654) and ASPNETCORE_HTTP_PORTS=8080.
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble AS runtime-cpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/*

# ---- runtime for TORCH_BACKEND=cuda: CUDA 12.8 + cuDNN on Ubuntu 24.04, with the same .NET runtime copied in ----
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble AS dotnet
FROM ${CUDA_IMAGE} AS runtime-cuda
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libgomp1 libssl3t64 tzdata zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1654 app \
 && useradd --uid 1654 --gid 1654 --no-create-home --shell /usr/sbin/nologin app
ENV DOTNET_ROOT=/usr/share/dotnet \
    APP_UID=1654 \
    ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_RUNNING_IN_CONTAINER=true

# ---- final: the runtime of the chosen backend with the published silo ----
FROM runtime-${TORCH_BACKEND} AS final
ARG TORCH_BACKEND
RUN lib=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}') \
 && { grep -qa GLIBCXX_3.4.32 "$lib" || { echo "$lib lacks GLIBCXX_3.4.32, which TorchSharp 0.107 needs" >&2; exit 1; }; } \
 && mkdir -p /var/lib/alora /shared \
 && chown 1654:1654 /var/lib/alora /shared
WORKDIR /app
COPY --from=build /app ./
# The repository's samples (stories260K, SST-2; a few MB) at the same path as in the alora/cli image, so the
# k8s demo sweep (k8s/base/submit/sweep.yaml) runs with nothing copied onto the shared volume.
COPY samples/ /opt/alora/samples/
# Specs may name model and data folders only under the samples and the shared volume (docs/security.md).
ENV Alora__Silo__DataDirectory=/var/lib/alora \
    Alora__Silo__AllowedRoots__0=/opt/alora/samples \
    Alora__Silo__AllowedRoots__1=/shared \
    ALORA_TORCH_BACKEND=${TORCH_BACKEND}
# 11111 silo-to-silo, 30000 gateway (clients), 8080 health endpoints.
EXPOSE 11111 30000 8080
USER 1654
ENTRYPOINT ["dotnet", "/app/alora-silo.dll"]
