use std::fmt;
use std::str::FromStr;

/// Where an order is in its life. The transition table lives here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Pending,
    Processing,
    /// Some quantities have shipped, not all.
    PartiallyShipped,
    Shipped,
    Delivered,
    Canceled,
}

// `reaches` keeps sets of statuses in the bits of a u32.
const _: () = assert!(OrderStatus::ALL.len() <= 32);

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Processing,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Canceled,
    ];

    /// pending → processing (paid) → partially shipped (some quantities) → shipped (all) → delivered (every
    /// shipment); a shipment of everything goes from processing to shipped at once. Pending and processing may
    /// be canceled; once goods have left, the order cannot be canceled whole.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Pending, Processing)
                | (Processing, PartiallyShipped)
                | (Processing, Shipped)
                | (PartiallyShipped, Shipped)
                | (Shipped, Delivered)
                | (Pending, Canceled)
                | (Processing, Canceled)
        )
    }

    /// Whether `target` is this status or follows from it by any number of transitions.
    pub fn reaches(self, target: OrderStatus) -> bool {
        // Sets of statuses as bits, not a list on the heap (every order rendered asks this several times for
        // its allowed actions): those found, and those whose transitions are not yet followed.
        let bit = |status: OrderStatus| 1u32 << (status as u32);
        let mut found = bit(self);
        let mut unfollowed = found;
        while unfollowed != 0 {
            for at in OrderStatus::ALL {
                if unfollowed & bit(at) == 0 {
                    continue;
                }
                unfollowed &= !bit(at);
                for to in OrderStatus::ALL {
                    if at.can_become(to) && found & bit(to) == 0 {
                        found |= bit(to);
                        unfollowed |= bit(to);
                    }
                }
            }
        }
        found & bit(target) != 0
    }

    /// Whether the goods of an order in this status have left: it is shipped or past it.
    pub fn has_shipped(self) -> bool {
        OrderStatus::Shipped.reaches(self)
    }

    /// Whether some goods of an order in this status have left: partially shipped or past it.
    pub fn has_shipments(self) -> bool {
        OrderStatus::PartiallyShipped.reaches(self)
    }

    /// The status a shipment leaves an order in: `shipped` once every ordered unit has left, else
    /// `partially_shipped`.
    pub fn after_shipment(everything_shipped: bool) -> OrderStatus {
        if everything_shipped {
            OrderStatus::Shipped
        } else {
            OrderStatus::PartiallyShipped
        }
    }

    /// Whether a client may ask for this status directly (`PUT /orders/{id}/status`) rather than through the
    /// business event that brings it; the action that reaches it decides, by the endpoint it is served at.
    pub fn is_settable(self) -> bool {
        crate::OrderAction::reaching(self)
            .is_some_and(|action| action.endpoint() == crate::Endpoint::Status)
    }

    pub fn is_final(self) -> bool {
        OrderStatus::ALL.iter().all(|next| !self.can_become(*next))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Processing => "processing",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Canceled => "canceled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown order status")]
pub struct UnknownStatus;

impl FromStr for OrderStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or(UnknownStatus)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{self, *};

    #[test]
    fn the_whole_transition_table() {
        let allowed = [
            (Pending, Processing),
            (Pending, Canceled),
            (Processing, PartiallyShipped),
            (Processing, Shipped),
            (Processing, Canceled),
            (PartiallyShipped, Shipped),
            (Shipped, Delivered),
        ];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn delivered_and_canceled_are_final() {
        let finals: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(finals, vec![Delivered, Canceled]);
    }

    #[test]
    fn reaching_follows_the_table_transitively() {
        let reachable = |from: OrderStatus| -> Vec<OrderStatus> {
            OrderStatus::ALL
                .into_iter()
                .filter(|to| from.reaches(*to))
                .collect()
        };
        assert_eq!(reachable(Pending), OrderStatus::ALL.to_vec());
        assert_eq!(
            reachable(Processing),
            vec![Processing, PartiallyShipped, Shipped, Delivered, Canceled]
        );
        assert_eq!(
            reachable(PartiallyShipped),
            vec![PartiallyShipped, Shipped, Delivered]
        );
        assert_eq!(reachable(Shipped), vec![Shipped, Delivered]);
        assert_eq!(reachable(Delivered), vec![Delivered]);
        assert_eq!(reachable(Canceled), vec![Canceled]);
    }

    #[test]
    fn only_shipped_and_delivered_orders_have_shipped() {
        let shipped: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|s| s.has_shipped())
            .collect();
        assert_eq!(shipped, vec![Shipped, Delivered]);
        let some: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|s| s.has_shipments())
            .collect();
        assert_eq!(some, vec![PartiallyShipped, Shipped, Delivered]);
    }

    #[test]
    fn a_shipment_leaves_an_order_shipped_only_when_everything_left() {
        assert_eq!(OrderStatus::after_shipment(true), Shipped);
        assert_eq!(OrderStatus::after_shipment(false), PartiallyShipped);
        assert!(Processing.can_become(OrderStatus::after_shipment(false)));
        assert!(PartiallyShipped.can_become(OrderStatus::after_shipment(true)));
    }

    #[test]
    fn a_client_may_set_only_delivered_and_canceled() {
        let settable: Vec<_> = OrderStatus::ALL
            .into_iter()
            .filter(|s| s.is_settable())
            .collect();
        assert_eq!(settable, vec![Delivered, Canceled]);
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
        }
        assert!("Pending".parse::<OrderStatus>().is_err());
        assert!("cancelled".parse::<OrderStatus>().is_err());
    }

    /// `reaches` as it was, a search through a list.
    fn reaches_as_it_was(from: OrderStatus, target: OrderStatus) -> bool {
        let mut seen = vec![from];
        let mut next = 0;
        while let Some(&at) = seen.get(next) {
            if at == target {
                return true;
            }
            for to in OrderStatus::ALL {
                if at.can_become(to) && !seen.contains(&to) {
                    seen.push(to);
                }
            }
            next += 1;
        }
        false
    }

    #[test]
    fn a_status_reaches_what_its_transitions_lead_to_as_before() {
        for from in OrderStatus::ALL {
            for target in OrderStatus::ALL {
                assert_eq!(
                    from.reaches(target),
                    reaches_as_it_was(from, target),
                    "{from} {target}"
                );
            }
        }
        assert!(Pending.reaches(Delivered));
        assert!(Shipped.reaches(Shipped));
        assert!(!Shipped.reaches(Canceled));
        assert!(!Canceled.reaches(Pending));
    }
}
