//! Encode, decode, encode+decode and SVG rendering of a typical dynamic WardPay code.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vietqr::{decode, encode, render_png, render_svg, Service, SvgOptions, VietQr};

fn ward_fee() -> VietQr {
    VietQr::new("970436", "1023456789", Service::ToAccount)
        .with_amount(150_000)
        .with_purpose("Phi ve sinh T7 2024 HO 12")
        .with_bill_number("WP2024070012")
}

fn codec(c: &mut Criterion) {
    let qr = ward_fee();
    let payload = encode(&qr).expect("valid");
    let vietnamese = ward_fee().with_purpose("Phí vệ sinh T7 2024 hộ 12");

    let mut group = c.benchmark_group("codec");
    group.throughput(Throughput::Elements(1));
    group.bench_function("encode", |b| b.iter(|| encode(black_box(&qr))));
    group.bench_function("encode_vietnamese_purpose", |b| b.iter(|| encode(black_box(&vietnamese))));
    group.bench_function("decode", |b| b.iter(|| decode(black_box(&payload))));
    group.bench_function("encode_decode", |b| b.iter(|| decode(&encode(black_box(&qr)).expect("valid"))));
    group.finish();

    let mut group = c.benchmark_group("render");
    group.bench_function("svg", |b| b.iter(|| render_svg(black_box(&payload), &SvgOptions::default())));
    group.bench_function("png_scale8", |b| b.iter(|| render_png(black_box(&payload), 8)));
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
