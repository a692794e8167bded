pub(crate) mod events;
pub(crate) mod health;
pub(crate) mod lifecycle;
pub(crate) mod metadata;
pub(crate) mod orders;
pub(crate) mod refunds;
pub(crate) mod returns;
pub(crate) mod shipments;
