# Multi-stage build: compile a release binary with the Swift stdlib linked statically, run it as a non-root user.
# Debian package versions are pinned (bookworm, as of 2026-12-03): when Debian replaces one with a security update,
# the old version leaves the archive and the build fails — bump the pin (apt-cache policy <package>) and rebuild.
# No Docker engine runs on this project's CI; hadolint checks this file there (README: Deployment).
FROM swift:6.2-bookworm AS build
# --build-arg DOCKET_BUILD_TRAITS=OpenTelemetry builds in OTLP trace export (README: Tracing; needs Swift 6.2).
ARG DOCKET_BUILD_TRAITS=""
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libargon2-dev=0~20171227-0.3+deb12u1 libsqlite3-dev=3.40.1-2+deb12u2 pkg-config=1.8.1-1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN set --; if [ -n "$DOCKET_BUILD_TRAITS" ]; then set -- "--traits=$DOCKET_BUILD_TRAITS"; fi; \
    swift package "$@" resolve
COPY Sources ./Sources
# Not built here, but Package.swift declares the test targets, and SwiftPM refuses a package whose targets are missing.
COPY Tests ./Tests
RUN set --; if [ -n "$DOCKET_BUILD_TRAITS" ]; then set -- "--traits=$DOCKET_BUILD_TRAITS"; fi; \
    swift build -c release --product docket --static-swift-stdlib "$@" \
    && bin="$(swift build -c release --show-bin-path "$@")" \
    && mkdir -p /out && cp "$bin/docket" /out/ && cp -R "$bin/docket_DocketAPI.resources" /out/

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libargon2-1=0~20171227-0.3+deb12u1 ca-certificates=20250419~deb12u2 curl=7.88.1-10+deb12u15 tzdata=2026f-0+deb12u1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 docket \
    && useradd --system --uid 10001 --gid 10001 --home /var/lib/docket --create-home docket \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/docket/keys
COPY --from=build /out/ /usr/local/bin/
USER 10001:10001
WORKDIR /var/lib/docket
ENV DOCKET_HOST=0.0.0.0 DOCKET_PORT=8080 DOCKET_DATA_DIR=/var/lib/docket DOCKET_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=10s --retries=3 CMD ["curl", "-fsS", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["/usr/local/bin/docket"]
CMD ["serve"]
