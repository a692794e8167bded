# Build the release server, then ship it alone on a slim base.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p order-server -p order-standins

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 orders \
    && mkdir -p /var/lib/orders && chown orders /var/lib/orders
COPY --from=build /src/target/release/order-server /src/target/release/order-standins /usr/local/bin/
USER orders
# On 0.0.0.0 the server needs AUTH_JWT_SECRET or AUTH_JWKS_FILE (or AUTH_DISABLED=true) to start: see the README.
# Listening off loopback, the server refuses to start while a <NAME>_SERVICE_URL is unset, rather than let a
# stand-in answer in production. Set the five URLs, or ALLOW_STANDINS=true for a demo with the stand-ins.
ENV LISTEN_ADDR=0.0.0.0:3000 \
    ALLOW_STANDINS=false \
    DATABASE_URL=sqlite:///var/lib/orders/orders.db \
    RUST_LOG=info
EXPOSE 3000
VOLUME /var/lib/orders
ENTRYPOINT ["/usr/local/bin/order-server"]
