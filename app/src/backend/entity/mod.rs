//! sea-orm entities, one module per table. The schema itself lives in the `migrations` crate.

pub mod counter;
pub mod fee_item;
pub mod ward;
