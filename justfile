# Common tasks; `just --list` shows them.

# Serve on 127.0.0.1:3000 with SQLite at data/orders.db and the stand-in services.
run:
    cargo run --release -p order-server

# Mint a dev token with AUTH_JWT_SECRET, e.g. `just token --role store --store-id s1 --ttl 1h`.
token *args:
    cargo run -q --release -p order-server -- token {{args}}

# The whole test suite, as CI runs it.
test:
    cargo test --workspace

# Lints and formatting, as CI checks them.
lint:
    cargo clippy --workspace --all-targets -- -D warnings
    cargo fmt --all --check

# Everything CI does.
ci:
    .ci/run

# The load benchmark (release build, wrk, SQLite then Postgres); see BENCHMARKS.md. Not part of CI.
bench backend="both":
    bench/run {{backend}}
