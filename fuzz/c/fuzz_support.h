// Shared helpers for the C shim's libFuzzer targets.
#pragma once
#include "qf_payloads.h"

#include <cmath>
#include <cstdlib>
#include <vector>

/// Aborts on a status outside the documented set (and on QF_E_INTERNAL / QF_E_ARGUMENT, which
/// well-formed calls must never see).
inline void check_status(qf_status s) {
    if ((int)s < 0 || (int)s > QF_E_ARGUMENT) __builtin_trap();
    if (s == QF_E_INTERNAL || s == QF_E_ARGUMENT) __builtin_trap();
}

/// Reads every byte of a range, so ASan sees any pointer into freed or foreign memory.
inline void touch(const uint8_t *p, size_t n) {
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i++) sink ^= p[i];
    (void)sink;
}

/// Caller buffers for qf_payload results, reused across inputs.
struct PayloadBuffers {
    std::vector<qf_tick> ticks = std::vector<qf_tick>(4096);
    std::vector<qf_candle> candles = std::vector<qf_candle>(4096);
    std::vector<qf_chart> charts = std::vector<qf_chart>(256);
    std::vector<qf_payout> payouts = std::vector<qf_payout>(4096);

    qf_payload payload(size_t cap = 0) {
        qf_payload p{};
        p.ticks = ticks.data();
        p.ticks_cap = cap ? cap : ticks.size();
        p.candles = candles.data();
        p.candles_cap = cap ? cap : candles.size();
        p.charts = charts.data();
        p.charts_cap = cap ? cap : charts.size();
        p.payouts = payouts.data();
        p.payouts_cap = cap ? cap : payouts.size();
        return p;
    }
};

/// Checks a result's invariants and reads every byte it points to.
inline void check_payload(const qf_payload &p) {
    if (p.n_ticks > p.ticks_cap || p.n_candles > p.candles_cap || p.n_charts > p.charts_cap) __builtin_trap();
    if (p.n_ticks > p.ticks_needed || p.n_candles > p.candles_needed || p.n_charts > p.charts_needed) __builtin_trap();
    if (p.n_payouts > p.payouts_cap || p.n_payouts > p.payouts_needed) __builtin_trap();
    touch(p.name.ptr, p.name.len);
    touch(p.asset.ptr, p.asset.len);
    for (size_t i = 0; i < p.n_ticks; i++) touch(p.ticks[i].asset.ptr, p.ticks[i].asset.len);
    for (size_t i = 0; i < p.n_charts; i++) touch(p.charts[i].asset.ptr, p.charts[i].asset.len);
    for (size_t i = 0; i < p.n_payouts; i++) touch(p.payouts[i].asset.ptr, p.payouts[i].asset.len);
}
