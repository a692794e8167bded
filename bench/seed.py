#!/usr/bin/env python3
"""Writes SQL that inserts N orders (two lines each) spread over ten stores, each with the idempotency key it was
created with (live for 24 hours, as the service keeps them), for SQLite or Postgres. About 60% are pending, 25%
processing (paid) and 15% canceled, mixed alike in every store and customer, so that a status filter has
something to find.

Seeding through SQL rather than the API takes seconds for a million orders. Ids are UUIDv7, increasing, like
the service's own: one per millisecond, ending now, and each order's `created_at` is its id's instant, as the
service makes them (the `createdAfter`/`createdBefore` filters rely on it). Written beside it: a sample of
store-1's ids (for `get`), a deep page cursor (for `list`), and `list_filtered.txt` (for `list_filtered`): the
query of a filtered list of store-1 (a status set and a `createdAfter`) on its first line, a deep page cursor of
that same filter on its second.

The keys matter to Postgres: `ANALYZE` on an empty key table leaves the planner sure that it stays empty, and
the cached plans of the key lookups then scan the whole table as it grows during the run, which no running
service sees (autovacuum analyzes the table as it fills). For the same reason every order has its history: an
event per version (`order.created`, then `order.paid` or `order.canceled`), each with its effects done (its
publication and its notification), as a service that made those orders keeps them within its retention. With
empty event and outbox tables analyzed, the foreign-key checks of the run's first effects were planned as scans.

SEED_SHIPPED (a share, default 0) seeds that share of the orders not canceled shipped instead: paid, captured,
with one shipment of all their lines, as most of a live marketplace's orders are. Their reads are more than one
statement (the shipment is a row of its own), which the default seed never shows.

usage: [SEED_SHIPPED=0.8] seed.py N OUT_DIR [sqlite|postgres] > seed.sql
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


# The statuses a seeded order may have, with their shares; those needing no other rows (shipments) only.
STATUSES = [("pending", 0.60), ("processing", 0.25), ("canceled", 0.15)]
# What list_filtered asks for besides store-1: statuses the seed makes common.
FILTERED_STATUSES = ["processing", "canceled"]


def filter_digest(store: str, statuses: list[str] | None = None, created_after: str | None = None) -> bytes:
    """The filter digest a cursor carries (order-http's `cursor::digest`): the status set sorted and joined by
    commas, `createdAfter` as chrono's `to_rfc3339` writes it."""
    status = ",".join(sorted(set(statuses))) if statuses else None
    h = hashlib.sha256()
    for name, value in [("storeId", store), ("customerId", None), ("status", status),
                        ("createdAfter", created_after), ("createdBefore", None)]:
        h.update(name.encode())
        if value is None:
            h.update(b"\0")
        else:
            h.update(b"\1" + len(value.encode()).to_bytes(8, "big") + value.encode())
    return h.digest()[:8]


def cursor(order_id: str, digest: bytes) -> str:
    return base64.urlsafe_b64encode(uuid.UUID(order_id).bytes + digest).rstrip(b"=").decode()


def timestamp(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}000"


def status_of(rand: random.Random) -> str:
    draw = rand.random()
    for status, share in STATUSES:
        if draw < share:
            return status
        draw -= share
    return STATUSES[-1][0]


def main() -> None:
    n = int(sys.argv[1])
    out = sys.argv[2]
    backend = sys.argv[3] if len(sys.argv) > 3 else "sqlite"
    blob = (lambda data: f"X'{data.hex()}'") if backend == "sqlite" else (lambda data: f"'\\x{data.hex()}'")
    fingerprint, body = blob(bytes(32)), blob(b'{"seeded":true}')
    rand = random.Random(7)
    statuses = random.Random(11)  # apart from the ids' generator, so that the ids stay those of before
    history_ids = random.Random(13)  # so are the events'
    shipping = random.Random(17)  # and the statuses of the default seed
    shipped_share = float(os.environ.get("SEED_SHIPPED", "0"))
    start_ms = int(time.time() * 1000) - n  # one order per millisecond, ending now
    created = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
    # list_filtered's createdAfter: a whole second about a quarter into the seed's time, so that its list holds
    # the newest three quarters of the store's matches.
    after_s = (start_ms + n // 4) // 1000 + 1
    after_ms = after_s * 1000
    expires = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime(time.time() + 24 * 3600))
    ids = []
    store_one = []
    store_one_filtered = []  # store-1's orders that list_filtered shows
    w = sys.stdout.write
    w("BEGIN;\n")
    batch = 500
    for first in range(0, n, batch):
        orders, items, keys, events, effects, shipments, shipped_items = [], [], [], [], [], [], []
        for i in range(first, min(first + batch, n)):
            order_id = str(uuid7(start_ms + i, rand))
            store = f"store-{i % STORES + 1}"
            ids.append(order_id)
            if store == "store-1":
                store_one.append(order_id)
            status = status_of(statuses)
            if status != "canceled" and shipping.random() < shipped_share:
                status = "shipped"
            if store == "store-1" and status in FILTERED_STATUSES and start_ms + i >= after_ms:
                store_one_filtered.append(order_id)
            at = timestamp(start_ms + i)
            # A processing order is paid (the payment is whole or absent); a canceled one was canceled pending; a
            # shipped one was paid, shipped whole and its payment captured.
            paid = status in ("processing", "shipped")
            payment = f"'card',11500,'{at}'" if paid else "NULL,NULL,NULL"
            shipped = status == "shipped"
            captured = f"'{at}'" if shipped else "NULL"
            version = {"pending": 1, "shipped": 3}.get(status, 2)
            orders.append(
                f"('{order_id}','{store}','customer-{i % 1000}','{status}','USD',10000,1000,500,11500,{version},"
                f"'{at}','{at}',{payment},{captured},{int(shipped)})"
            )
            if shipped:
                shipments.append(f"('{order_id}','{order_id}','DHL','JD{i:012d}','shipped','{at}','{at}')")
                shipped_items.append(f"('{order_id}','p-1',2)")
                shipped_items.append(f"('{order_id}','p-2',1)")
            items.append(f"('{order_id}',0,'p-1',2,2500)")
            items.append(f"('{order_id}',1,'p-2',1,5000)")
            keys.append(f"('','seed-{i}',{fingerprint},'{order_id}',{body},'{created}','{expires}')")
            customer = f"customer-{i % 1000}"
            history = [("order.created", "OrderCreated")]
            if paid:
                history.append(("order.paid", "OrderPaid"))
            if shipped:
                history.append(("order.shipped", "OrderShipped"))
            if status == "canceled":
                history.append(("order.canceled", "OrderCanceled"))
            for version, (event_type, notification) in enumerate(history, start=1):
                event_id = uuid7(start_ms + i, history_ids)
                events.append(f"('{event_id}','{order_id}',{version},'{event_type}','{at}','{{}}')")
                effects.append(f"('{event_id}','publish','{order_id}',{version},NULL,'done','{at}','{at}','{at}')")
                effects.append(f"('{event_id}','notify.{notification}','{order_id}',{version},'{customer}','done',"
                               f"'{at}','{at}','{at}')")
        w("INSERT INTO orders (id,store_id,customer_id,status,currency,items_total,shipping_cost,tax_amount,"
          "total_amount,version,created_at,updated_at,payment_method,payment_amount,paid_at,captured_at,shipment_count) "
          "VALUES " + ",".join(orders) + ";\n")
        if shipments:
            w("INSERT INTO shipments (id,order_id,carrier,tracking_number,status,shipped_at,updated_at) VALUES "
              + ",".join(shipments) + ";\n")
            w("INSERT INTO shipment_items (shipment_id,product_id,quantity) VALUES " + ",".join(shipped_items) + ";\n")
        w("INSERT INTO order_items (order_id,position,product_id,quantity,unit_price) VALUES "
          + ",".join(items) + ";\n")
        w("INSERT INTO idempotency_keys (scope,key,fingerprint,order_id,response_body,created_at,expires_at) VALUES "
          + ",".join(keys) + ";\n")
        w("INSERT INTO order_events (event_id,order_id,order_version,event_type,occurred_at,data) VALUES "
          + ",".join(events) + ";\n")
        w("INSERT INTO outbox (event_id,effect,order_id,order_version,customer_id,state,next_attempt_at,created_at,"
          "done_at) VALUES " + ",".join(effects) + ";\n")
    w("COMMIT;\n")

    # Store 1's orders: the `full` profile reads as that store (its token's role), and bare reads the same.
    sample = rand.sample(store_one, min(len(store_one), 10_000))
    with open(os.path.join(out, "ids.txt"), "w") as f:
        f.write("\n".join(sample) + "\n")
    # The cursor after the first 500 pages of 20 of store-1, newest first, or halfway down a smaller store: a
    # deep page is a whole page at every seed size (after the store's oldest order it would be an empty page,
    # which made 10,000 orders look cheaper to list than 1,000,000).
    newest_first = list(reversed(store_one))
    deep = newest_first[min(len(newest_first) // 2, 500 * 20 - 1)]
    with open(os.path.join(out, "deep_cursor.txt"), "w") as f:
        f.write(cursor(deep, filter_digest(store="store-1")) + "\n")
    # The same for list_filtered: its query, and the cursor after its first 500 pages (or halfway down, as above).
    after = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(after_s))
    query = f"storeId=store-1&status={','.join(FILTERED_STATUSES)}&createdAfter={after}Z"
    newest_first = list(reversed(store_one_filtered)) or list(reversed(store_one))
    deep = newest_first[min(len(newest_first) // 2, 500 * 20 - 1)]
    digest = filter_digest(store="store-1", statuses=FILTERED_STATUSES, created_after=f"{after}+00:00")
    with open(os.path.join(out, "list_filtered.txt"), "w") as f:
        f.write(query + "\n" + cursor(deep, digest) + "\n")


if __name__ == "__main__":
    main()
