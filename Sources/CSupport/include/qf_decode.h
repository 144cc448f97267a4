/*
 * qf_decode.h – the plain-C face of qflux's decoding shim (C++ and simdjson inside).
 *
 * Layers, each one call:
 *   qf_parse_line      one JSONL line (raw CDP event or Selenium perf-log entry, auto-detected)
 *                      -> qf_frame: method, requestId, CDP timestamp, opcode, decoded payload bytes
 *   qf_parse_event     a Socket.IO event array `["name", arg…]` (text after `42`/`45N-`)
 *                      -> event kind; market payloads parsed into caller buffers
 *   qf_parse_payload   a binary attachment of a known event kind (or QF_EVENT_UNKNOWN: by shape)
 *
 * Memory: every pointer in a result points into the parser or into the caller's input and stays
 * valid until the next call on the same parser that produces the same kind of result
 * (qf_parse_line invalidates qf_frame; qf_parse_event / qf_parse_payload invalidate qf_payload).
 * Nothing allocates per call once the parser's scratch buffers have grown to the input sizes seen.
 * No C++ exception crosses this header: every function returns a qf_status.
 */
#ifndef QF_DECODE_H
#define QF_DECODE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Readable bytes simdjson needs after the end of a document. */
#define QF_PADDING 64

/** Result codes. Every value but QF_OK names a kind of malformed input (or a caller error). */
typedef enum qf_status {
    QF_OK = 0,
    QF_E_EMPTY = 1,        /* blank line */
    QF_E_JSON = 2,         /* not valid JSON (truncated, garbage) */
    QF_E_UTF8 = 3,         /* invalid UTF-8 */
    QF_E_NOT_CDP = 4,      /* valid JSON, but neither a CDP event nor a perf-log entry */
    QF_E_FIELD = 5,        /* a CDP/payload field is missing or of the wrong type */
    QF_E_BASE64 = 6,       /* binary payloadData is not valid base64 */
    QF_E_TOO_LARGE = 7,    /* over the parser's size limit */
    QF_E_CAPACITY = 8,     /* caller buffers too small: grow to *_needed and call again */
    QF_E_SHAPE = 9,        /* payload of an unexpected shape */
    QF_E_INTERNAL = 10,    /* allocation failure or an unexpected C++ exception (caught) */
    QF_E_ARGUMENT = 11     /* NULL parser or buffer */
} qf_status;

/** Which outer form a line had. */
typedef enum qf_form { QF_FORM_CDP = 1, QF_FORM_PERFLOG = 2 } qf_form;

/** CDP methods qflux distinguishes; everything else is QF_METHOD_OTHER. */
typedef enum qf_method {
    QF_METHOD_OTHER = 0,
    QF_METHOD_FRAME_RECEIVED = 1,
    QF_METHOD_FRAME_SENT = 2,
    QF_METHOD_CREATED = 3,
    QF_METHOD_CLOSED = 4,
    QF_METHOD_FRAME_ERROR = 5,
    QF_METHOD_REPLY = 6            /* a command reply: {"id":N,"result":…} (no method) */
} qf_method;

/** A byte range. Not NUL-terminated. */
typedef struct qf_bytes {
    const uint8_t *ptr;
    size_t len;
} qf_bytes;

/** One decoded CDP event. */
typedef struct qf_frame {
    int32_t form;          /* qf_form */
    int32_t method;        /* qf_method */
    int32_t opcode;        /* WebSocket opcode of a frame event; -1 when absent */
    int32_t has_payload;   /* 1 when payload holds a frame's data */
    double timestamp;      /* CDP monotonic seconds; NaN when absent. Never epoch time. */
    int64_t reply_id;      /* id of a command reply, -1 otherwise */
    qf_bytes request_id;   /* params.requestId (raw JSON string content; ids have no escapes) */
    qf_bytes method_name;  /* the method string (for QF_METHOD_OTHER reporting) */
    qf_bytes url;          /* params.url of webSocketCreated; empty otherwise */
    /* Frame data: opcode 1 -> the UTF-8 text, unescaped; any other opcode -> base64-decoded bytes.
       QF_PADDING readable bytes follow it, so it can be handed to qf_parse_event/payload as is. */
    qf_bytes payload;
} qf_frame;

/** PocketOption events qflux understands. */
typedef enum qf_event_kind {
    QF_EVENT_UNKNOWN = 0,          /* for qf_parse_payload: classify by shape */
    QF_EVENT_UPDATE_STREAM = 1,    /* [[asset, time, price], …] */
    QF_EVENT_HISTORY_NEW_FAST = 2, /* {asset, period, history:[[t,p]…], candles:[[t,o,c,h,l(,v)]…]} */
    QF_EVENT_LOAD_HISTORY_PERIOD = 3, /* {asset, index, data:[{time,open,close,high,low}…], period} */
    QF_EVENT_UPDATE_CHARTS = 4,    /* [{chart_id, settings:"{…symbol,chartPeriod…}"}…] */
    QF_EVENT_OTHER = 5             /* a named event that carries no market data */
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

/**
 * A parsed Socket.IO event or attachment. The caller provides the tick, candle and chart arrays
 * and their capacities; on QF_E_CAPACITY, *_needed says how many are needed.
 */
typedef struct qf_payload {
    /* out */
    int32_t kind;          /* qf_event_kind */
    int32_t placeholders;  /* qf_parse_event: 1 when arg 1 is a binary placeholder (data follows) */
    int32_t period;        /* history period in seconds; -1 when absent */
    int32_t reserved;
    qf_bytes name;         /* qf_parse_event: the event name */
    qf_bytes asset;        /* history events: their asset */
    size_t n_ticks, n_candles, n_charts;
    size_t ticks_needed, candles_needed, charts_needed;
    /* in: caller buffers */
    qf_tick *ticks;     size_t ticks_cap;
    qf_candle *candles; size_t candles_cap;
    qf_chart *charts;   size_t charts_cap;
} qf_payload;

/** Opaque parser: reused simdjson parsers and scratch buffers. Not thread-safe; one per thread. */
typedef struct qf_parser qf_parser;

/** Creates a parser that refuses documents larger than `max_bytes` (0: 256 MiB). NULL on failure. */
qf_parser *qf_parser_create(size_t max_bytes);
/** Destroys a parser created by qf_parser_create. NULL is ignored. */
void qf_parser_destroy(qf_parser *parser);

/**
 * Parses one line (no trailing newline needed; trailing whitespace is fine).
 * `readable` is how many bytes may be read from `line` (>= len). When it is at least
 * len + QF_PADDING the line is parsed in place; otherwise it is copied once into padded scratch.
 */
qf_status qf_parse_line(qf_parser *parser, const uint8_t *line, size_t len, size_t readable,
                        qf_frame *out);

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

/**
 * JSONL iteration over a buffer holding many lines: finds the line starting at *offset (up to its
 * '\n', or the end of the buffer when `final` is 1), stores it in *line without the newline (a
 * trailing '\r' is dropped too) and advances *offset past it. Returns 1 when a line was found,
 * 0 when the rest holds no complete line (with `final` 0: keep it and read more). Lines are
 * handed out in place: with QF_PADDING readable bytes after the buffer, each can go to
 * qf_parse_line without a copy.
 */
int qf_jsonl_next(const uint8_t *buffer, size_t len, size_t *offset, int final, qf_bytes *line);

/** A short, static, human name for a status ("truncated or invalid JSON", …). */
const char *qf_status_name(qf_status status);

/**
 * Base64 (RFC 4648 standard alphabet) decoder. Padding is optional; whitespace is not allowed.
 * Writes at most qf_base64_decoded_max(len) bytes to `dst`. Returns the decoded length,
 * or -1 when the input is not valid base64.
 */
ptrdiff_t qf_base64_decode(const uint8_t *src, size_t len, uint8_t *dst);
/** Upper bound on qf_base64_decode's output for `len` input bytes. */
static inline size_t qf_base64_decoded_max(size_t len) { return (len / 4) * 3 + 3; }

/**
 * Unescapes the content of a JSON string (without its quotes) into `dst` (at least `len` bytes).
 * Handles every JSON escape, \\uXXXX and surrogate pairs (to UTF-8). Returns the output
 * length or -1 on an invalid escape.
 */
ptrdiff_t qf_json_unescape(const uint8_t *src, size_t len, uint8_t *dst);

/**
 * Unescapes a JSON string's content starting at `src` (just after its opening quote) up to its
 * closing quote, into `dst` (room for end - src + 64 bytes). On success returns the output
 * length and sets *after to the byte after the closing quote. Returns -1 on an invalid escape,
 * -2 when the string does not end before `end`, -3 on a raw control byte.
 */
ptrdiff_t qf_json_unescape_string(const uint8_t *src, const uint8_t *end, uint8_t *dst, const uint8_t **after);

/** Tests and benchmarks: 0 makes qf_parse_line / qf_parse_payload use simdjson for every document
    (no hand-written fast paths for perf-log entries, CDP events and tick arrays). Default 1. */
void qf_decode_set_fast_paths(int on);

/** Tests and benchmarks: 1 makes the codecs skip their AVX-512 kernels (portable SSE2/scalar). */
void qf_codecs_force_portable(int on);

#ifdef __cplusplus
}
#endif

#endif /* QF_DECODE_H */
