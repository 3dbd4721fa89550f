//! Encode+decode and SVG throughput measured in on-CPU time as well as wall time.
//!
//! Criterion reports wall time, which on a shared machine includes the time this thread waits
//! for a core. Linux's /proc/thread-self/schedstat gives the nanoseconds the thread actually ran,
//! which is the "one core" figure the targets are about.
//!
//! cargo run --release --example throughput

use std::hint::black_box;
use std::time::Instant;

use vietqr::{decode, encode, render_svg, Service, SvgOptions, VietQr};

fn on_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn measure(name: &str, iterations: u32, mut f: impl FnMut()) {
    for _ in 0..iterations / 10 {
        f();
    }
    let cpu_start = on_cpu_ns();
    let wall_start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    let wall = wall_start.elapsed().as_nanos() as f64 / f64::from(iterations);
    let cpu = match (cpu_start, on_cpu_ns()) {
        (Some(start), Some(end)) => format!("{:.1}", (end - start) as f64 / f64::from(iterations)),
        _ => "n/a".to_owned(),
    };
    println!("{name:<14} wall {wall:>10.1} ns/op   on-CPU {cpu:>10} ns/op   ({iterations} ops)");
}

fn main() {
    let qr = VietQr::new("970436", "1023456789", Service::ToAccount)
        .with_amount(150_000)
        .with_purpose("Phi ve sinh T7 2024 HO 12")
        .with_bill_number("WP2024070012");
    let payload = encode(&qr).expect("valid");
    measure("encode", 2_000_000, || {
        black_box(encode(black_box(&qr)).ok());
    });
    measure("decode", 2_000_000, || {
        black_box(decode(black_box(&payload)).ok());
    });
    measure("encode+decode", 2_000_000, || {
        let payload = encode(black_box(&qr)).expect("valid");
        black_box(decode(&payload).ok());
    });
    let options = SvgOptions::default();
    measure("render_svg", 5_000, || {
        black_box(render_svg(black_box(&payload), &options).ok());
    });
}
