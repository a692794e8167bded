#!/usr/bin/env python3
"""Writes SQL that inserts N pending orders (two lines each) spread over ten stores, each with the idempotency
key it was created with (live for 24 hours, as the service keeps them), for SQLite or Postgres.

Seeding through SQL rather than the API takes seconds for a million orders. Ids are UUIDv7, increasing, like
the service's own. A sample of store-1's ids (for `get`) and a deep page cursor (for `list`) are written beside it.

The keys matter to Postgres: `ANALYZE` on an empty key table leaves the planner sure that it stays empty, and
the cached plans of the key lookups then scan the whole table as it grows during the run, which no running
service sees (autovacuum analyzes the table as it fills).

usage: seed.py N OUT_DIR [sqlite|postgres] > seed.sql
"""
import base64
import hashlib
import os
import random
import sys
import time
import uuid

STORES = 10


def uuid7(ms: int, rand: random.Random) -> uuid.UUID:
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand.getrandbits(12) << 64
    value |= 0b10 << 62
    value |= rand.getrandbits(62)
    return uuid.UUID(int=value)


def filter_digest(store: str) -> bytes:
    """The filter digest a cursor carries (order-http's `cursor::digest`) for a list filtered by store alone."""
    h = hashlib.sha256()
    for name, value in [("storeId", store), ("customerId", None), ("status", None), ("createdAfter", None),
                        ("createdBefore", None)]:
        h.update(name.encode())
        if value is None:
            h.update(b"\0")
        else:
            h.update(b"\1" + len(value.encode()).to_bytes(8, "big") + value.encode())
    return h.digest()[:8]


def main() -> None:
    n = int(sys.argv[1])
    out = sys.argv[2]
    backend = sys.argv[3] if len(sys.argv) > 3 else "sqlite"
    blob = (lambda data: f"X'{data.hex()}'") if backend == "sqlite" else (lambda data: f"'\\x{data.hex()}'")
    fingerprint, body = blob(bytes(32)), blob(b'{"seeded":true}')
    rand = random.Random(7)
    start_ms = int(time.time() * 1000) - n  # one order per millisecond, ending now
    created = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
    expires = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(time.time() + 24 * 3600))
    ids = []
    store_one = []
    w = sys.stdout.write
    w("BEGIN;\n")
    batch = 500
    for first in range(0, n, batch):
        orders, items, keys = [], [], []
        for i in range(first, min(first + batch, n)):
            order_id = str(uuid7(start_ms + i, rand))
            store = f"store-{i % STORES + 1}"
            ids.append(order_id)
            if store == "store-1":
                store_one.append(order_id)
            orders.append(
                f"('{order_id}','{store}','customer-{i % 1000}','pending','USD',10000,1000,500,11500,1,"
                f"'{created}','{created}')"
            )
            items.append(f"('{order_id}',0,'p-1',2,2500)")
            items.append(f"('{order_id}',1,'p-2',1,5000)")
            keys.append(f"('','seed-{i}',{fingerprint},'{order_id}',{body},'{created}','{expires}')")
        w("INSERT INTO orders (id,store_id,customer_id,status,currency,items_total,shipping_cost,tax_amount,"
          "total_amount,version,created_at,updated_at) VALUES " + ",".join(orders) + ";\n")
        w("INSERT INTO order_items (order_id,position,product_id,quantity,unit_price) VALUES "
          + ",".join(items) + ";\n")
        w("INSERT INTO idempotency_keys (scope,key,fingerprint,order_id,response_body,created_at,expires_at) VALUES "
          + ",".join(keys) + ";\n")
    w("COMMIT;\n")

    # Store 1's orders: the `full` profile reads as that store (its token's role), and bare reads the same.
    sample = rand.sample(store_one, min(len(store_one), 10_000))
    with open(os.path.join(out, "ids.txt"), "w") as f:
        f.write("\n".join(sample) + "\n")
    # The cursor after the first 500 pages of 20 of store-1, newest first (or as deep as the store goes).
    newest_first = list(reversed(store_one))
    deep = newest_first[min(len(newest_first) - 1, 500 * 20 - 1)]
    cursor = base64.urlsafe_b64encode(uuid.UUID(deep).bytes + filter_digest(store="store-1")).rstrip(b"=").decode()
    with open(os.path.join(out, "deep_cursor.txt"), "w") as f:
        f.write(cursor + "\n")


if __name__ == "__main__":
    main()
