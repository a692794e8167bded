use std::fmt;

use crate::{CustomerId, StoreId};

/// Who a request acts for, once it has proved it: the token's subject and the role it holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    subject: String,
    role: Role,
}

/// What a principal is, and for roles confined to one store or one customer, which.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Operator,
    Store(StoreId),
    Customer(CustomerId),
}

impl Principal {
    pub fn new(subject: impl Into<String>, role: Role) -> Self {
        Self {
            subject: subject.into(),
            role,
        }
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn role(&self) -> &Role {
        &self.role
    }
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Store(_) => "store",
            Role::Customer(_) => "customer",
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.subject, self.role.name())
    }
}
