//! The lines of a page's orders put with them: they come from `of_ids::LinesOf` in no promised order.

use std::collections::HashMap;

use super::ItemRow;

/// `items` put with their orders, `ids`' places, each order's by position; lines of no order in `ids` are
/// dropped. Found by the orders' own ids (no line's order id is copied): lines mostly come order by order in
/// `ids`' order (`LinesOf` walks them so), so the order of the line before or the next one is tried first,
/// and a map of the ids is made only for a line that is neither.
pub(super) fn placed(ids: &[&str], items: Vec<ItemRow>) -> Vec<Vec<ItemRow>> {
    let mut lines: Vec<Vec<ItemRow>> = ids.iter().map(|_| Vec::new()).collect();
    let mut places: Option<HashMap<&str, usize>> = None;
    let mut at = 0;
    for item in items {
        let order = item.order_id.as_str();
        if ids.get(at) != Some(&order) {
            if ids.get(at + 1) == Some(&order) {
                at += 1;
            } else {
                let places = places.get_or_insert_with(|| {
                    ids.iter().enumerate().map(|(at, id)| (*id, at)).collect()
                });
                match places.get(order) {
                    Some(&place) => at = place,
                    None => continue,
                }
            }
        }
        lines[at].push(item);
    }
    // Already in order (both backends read an order's lines along its key), this only looks.
    for order_lines in &mut lines {
        order_lines.sort_unstable_by_key(|item| item.position);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::{placed, ItemRow};

    fn line(order: &str, position: i32) -> ItemRow {
        ItemRow {
            order_id: order.into(),
            position,
            product_id: format!("p-{position}"),
            quantity: 1,
            unit_price: 1,
        }
    }

    fn places(lines: &[Vec<ItemRow>]) -> Vec<Vec<(String, i32)>> {
        lines
            .iter()
            .map(|lines| {
                lines
                    .iter()
                    .map(|line| (line.order_id.clone(), line.position))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn lines_in_any_order_go_to_their_orders_by_position() {
        let ids = ["c", "b", "a"];
        let expected = vec![
            vec![("c".to_owned(), 0), ("c".to_owned(), 1)],
            vec![],
            vec![
                ("a".to_owned(), 0),
                ("a".to_owned(), 1),
                ("a".to_owned(), 2),
            ],
        ];
        let in_order = vec![
            line("c", 0),
            line("c", 1),
            line("a", 0),
            line("a", 1),
            line("a", 2),
        ];
        assert_eq!(places(&placed(&ids, in_order)), expected);
        let shuffled = vec![
            line("a", 2),
            line("zz", 0),
            line("c", 1),
            line("a", 0),
            line("c", 0),
            line("a", 1),
        ];
        assert_eq!(places(&placed(&ids, shuffled)), expected);
    }
}
