# Multi-stage build: compile a release binary with the Swift stdlib linked statically, run it as a non-root user.
# (No Docker engine runs on the development machines of this project; see README "Deployment" for what is checked.)
FROM swift:6.2-bookworm AS build
# --build-arg DOCKET_BUILD_TRAITS=OpenTelemetry builds in OTLP trace export (README: Tracing; needs Swift 6.2).
ARG DOCKET_BUILD_TRAITS=""
RUN apt-get update && apt-get install -y --no-install-recommends libargon2-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package ${DOCKET_BUILD_TRAITS:+--traits=$DOCKET_BUILD_TRAITS} resolve
COPY Sources ./Sources
RUN TRAITS=${DOCKET_BUILD_TRAITS:+--traits=$DOCKET_BUILD_TRAITS}; \
    swift build -c release --product docket --static-swift-stdlib $TRAITS \
    && mkdir -p /out && cp "$(swift build -c release --show-bin-path $TRAITS)/docket" /out/ \
    && cp -R "$(swift build -c release --show-bin-path $TRAITS)/docket_DocketAPI.resources" /out/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libargon2-1 ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/docket --create-home docket
COPY --from=build /out/ /usr/local/bin/
USER docket
WORKDIR /var/lib/docket
ENV DOCKET_HOST=0.0.0.0 DOCKET_PORT=8080 DOCKET_DATA_DIR=/var/lib/docket DOCKET_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=10s --retries=3 CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["/usr/local/bin/docket"]
CMD ["serve"]
