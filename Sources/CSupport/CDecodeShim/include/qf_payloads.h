/*
 * qf_payloads.h – the broker payload layer of the decoding shim (broker_payloads.cpp): the
 * PocketOption Socket.IO events and binary attachments a frame payload from qf_parse_line
 * carries, parsed into caller-provided tick, candle and chart arrays. Uses the parser handle of
 * qf_decode.h; the same memory rules apply (a qf_payload stays valid until the next
 * qf_parse_event / qf_parse_payload on the same parser). No C++ exception crosses this header.
 */
#ifndef QF_PAYLOADS_H
#define QF_PAYLOADS_H

#include "qf_decode.h"

#ifdef __cplusplus
extern "C" {
#endif

/** PocketOption events qflux understands. */
typedef enum qf_event_kind {
    QF_EVENT_UNKNOWN = 0,          /* for qf_parse_payload: classify by shape */
    QF_EVENT_UPDATE_STREAM = 1,    /* [[asset, time, price], …] */
    QF_EVENT_HISTORY_NEW_FAST = 2, /* {asset, period, history:[[t,p]…], candles:[[t,o,c,h,l(,v)]…]} */
    QF_EVENT_LOAD_HISTORY_PERIOD = 3, /* {asset, index, data:[{time,open,close,high,low}…], period} */
    QF_EVENT_UPDATE_CHARTS = 4,    /* [{chart_id, settings:"{…symbol,chartPeriod…}"}…] */
    QF_EVENT_OTHER = 5,            /* a named event that carries no market data */
    QF_EVENT_UPDATE_ASSETS = 6     /* [[id, symbol, name, type, _, payout, …, is_otc(9), …, active(14), …], …] */
} qf_event_kind;

/** A tick: `asset` is empty for history ticks (the payload's asset applies). */
typedef struct qf_tick {
    qf_bytes asset;
    double time;           /* epoch seconds (milliseconds already converted) */
    double price;
} qf_tick;

/** A candle as the broker sent it. `volume` is NaN when absent. */
typedef struct qf_candle {
    double time;
    double open;
    double close;
    double high;
    double low;
    double volume;
} qf_candle;

/** The chart a broker page shows (from updateCharts). */
typedef struct qf_chart {
    qf_bytes asset;        /* settings.symbol */
    int32_t chart_period;  /* settings.chartPeriod (an index, not seconds); -1 when absent */
    int32_t fast_timeframe;/* settings.fastTimeframe seconds; -1 when absent */
} qf_chart;

/** One row of updateAssets: an asset's payout (percent, as sent) and flags. */
typedef struct qf_payout {
    qf_bytes asset;        /* field 1, the symbol */
    double payout;         /* field 5, percent (e.g. 79) */
    int32_t is_otc;        /* field 9: 1, 0, or -1 when absent or not a number */
    int32_t active;        /* field 14: 1, 0, or -1 when absent or not a boolean/number */
} qf_payout;

/**
 * A parsed Socket.IO event or attachment. The caller provides the tick, candle and chart arrays
 * and their capacities; on QF_E_CAPACITY, *_needed says how many are needed.
 */
typedef struct qf_payload {
    /* out */
    int32_t kind;          /* qf_event_kind */
    int32_t placeholders;  /* qf_parse_event: 1 when arg 1 is a binary placeholder (data follows) */
    int32_t period;        /* history period in seconds; -1 when absent */
    qf_bytes name;         /* qf_parse_event: the event name */
    qf_bytes asset;        /* history events: their asset */
    size_t n_ticks, n_candles, n_charts;
    size_t ticks_needed, candles_needed, charts_needed;
    /* in: caller buffers */
    qf_tick *ticks;     size_t ticks_cap;
    qf_candle *candles; size_t candles_cap;
    qf_chart *charts;   size_t charts_cap;
    /* updateAssets rows (out: n_payouts, payouts_needed, skipped_rows; in: the buffer) */
    size_t n_payouts, payouts_needed;
    size_t skipped_rows;   /* rows that were not [number, string, …, number(5), …]: counted, skipped */
    qf_payout *payouts; size_t payouts_cap;
} qf_payload;

/**
 * Parses a Socket.IO event array (`["name", arg1, …]`, the text after `42`, `42<ack>` or `45N-`).
 * `data` must have QF_PADDING readable bytes after `len` (frame payloads do).
 * Known market events with inline data are parsed into `out`; a placeholder argument sets
 * out->placeholders. Unknown names give QF_EVENT_OTHER with QF_OK.
 */
qf_status qf_parse_event(qf_parser *parser, const uint8_t *data, size_t len, qf_payload *out);

/**
 * Parses a binary attachment of event `kind`. With QF_EVENT_UNKNOWN (the header came before
 * qflux attached) the kind is recognised by shape, or QF_E_SHAPE is returned.
 * `data` must have QF_PADDING readable bytes after `len`.
 */
qf_status qf_parse_payload(qf_parser *parser, int32_t kind, const uint8_t *data, size_t len,
                           qf_payload *out);

#ifdef __cplusplus
}
#endif

#endif /* QF_PAYLOADS_H */
