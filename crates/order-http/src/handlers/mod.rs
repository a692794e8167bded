pub(crate) mod health;
pub(crate) mod orders;
