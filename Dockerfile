# mcledger server image: build with the Swift toolchain, run on a slim Debian with libpq.
# Hummingbird 2 needs Swift tools 6.2 or later.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Package.resolved is not tracked; when the build context has one (a developer tree), the
# build uses the same dependency versions (the [d] glob makes it optional).
COPY Package.swift Package.resolve[d] ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product mcledger \
 && mkdir /out && cp .build/release/mcledger /out/ && cp -r .build/release/mcledger_Ledger.resources .build/release/mcledger_Service.resources /out/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libcurl4 libxml2 tzdata ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* && useradd --system --home /app mcledger
COPY --from=build /usr/lib/swift/linux/*.so /usr/lib/swift/linux/
COPY --from=build /out/ /app/
ENV LD_LIBRARY_PATH=/usr/lib/swift/linux
USER mcledger
WORKDIR /app
EXPOSE 8080
ENTRYPOINT ["/app/mcledger"]
