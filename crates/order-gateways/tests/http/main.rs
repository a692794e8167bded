//! The HTTP clients against a real mock server: each contract, then the resilience rules.

mod customer;
mod helpers;
mod inventory;
mod notification;
mod payment;
mod resilience;
mod shipping;
