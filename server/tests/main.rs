//! Every integration test of the server, in one test binary: one link of the whole server
//! instead of one per file, which is most of a cold test build on two cores. Each file is a
//! module named after what it tests; `common` is the harness they share.

#[macro_use]
mod common;

mod acceptance;
mod access;
mod audit;
mod backup;
mod change_feed;
mod cli;
mod counter_flow;
mod crash_safety;
mod dvc;
mod foundation;
mod partial_payments;
mod reconciliation;
mod scale_out;
mod setup;
mod simulate_bank;
mod ssr_owner;
mod treasury;
mod verify;
