//! `cvefeed serve` end to end: the real binary on loopback, with stores
//! written by the real pipeline or by hand, and a mock GitHub.

mod http;
mod listen;
mod reload;
mod shutdown;
mod support;
mod webhook;
mod webhook_attack;
