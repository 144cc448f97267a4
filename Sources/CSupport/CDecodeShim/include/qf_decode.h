/*
 * qf_decode.h – the plain-C face of qflux's decoding shim (C++ and simdjson inside): the parser
 * handle and the line layer. The other layers have their own headers:
 *   qf_parse_line      (here) one JSONL line (raw CDP event or Selenium perf-log entry,
 *                      auto-detected) -> qf_frame: method, requestId, CDP timestamp, opcode,
 *                      decoded payload bytes                                 (line_decode.cpp)
 *   qf_parse_event     (qf_payloads.h) a Socket.IO event array `["name", arg…]` (text after
 *                      `42`/`45N-`) -> event kind; market payloads parsed into caller buffers
 *   qf_parse_payload   (qf_payloads.h) a binary attachment of a known event kind (or
 *                      QF_EVENT_UNKNOWN: by shape)                       (broker_payloads.cpp)
 *   qf_base64_decode, qf_json_unescape…  (qf_codecs.h) the byte transforms  (text_codecs.c)
 *
 * Memory: every pointer in a result points into the parser or into the caller's input and stays
 * valid until the next call on the same parser that produces the same kind of result
 * (qf_parse_line invalidates qf_frame; qf_parse_event / qf_parse_payload invalidate qf_payload).
 * Nothing allocates per call once the parser's scratch buffers have grown to the input sizes seen.
 * No C++ exception crosses these headers: every function returns a qf_status.
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

/** A byte range. Not NUL-terminated. */
typedef struct qf_bytes {
    const uint8_t *ptr;
    size_t len;
} qf_bytes;

/** Opaque parser: reused simdjson parsers and scratch buffers. Not thread-safe; one per thread. */
typedef struct qf_parser qf_parser;

/** Creates a parser that refuses documents larger than `max_bytes` (0: 256 MiB). NULL on failure. */
qf_parser *qf_parser_create(size_t max_bytes);
/** Destroys a parser created by qf_parser_create. NULL is ignored. */
void qf_parser_destroy(qf_parser *parser);

/** 0: qf_parse_line leaves qf_frame.timestamp NaN (the number is still checked to be JSON) and
    saves its conversion, for callers that do not read it. Default 1. */
void qf_parser_set_timestamps(qf_parser *parser, int on);

/** Tests and benchmarks: 0 makes qf_parse_line / qf_parse_payload use simdjson for every document
    (no hand-written fast paths for perf-log entries, CDP events and tick arrays). Default 1. */
void qf_decode_set_fast_paths(int on);

/* ---------------------------------------------------------------------------------------------
 * The line layer: CDP events and Selenium perf-log entries.
 * ------------------------------------------------------------------------------------------- */

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

/** One decoded CDP event. */
typedef struct qf_frame {
    int32_t form;          /* qf_form */
    int32_t method;        /* qf_method */
    int32_t opcode;        /* WebSocket opcode of a frame event; -1 when absent */
    int32_t has_payload;   /* 1 when payload holds a frame's data */
    double timestamp;      /* CDP monotonic seconds; NaN when absent or not wanted (qf_parser_set_timestamps). Never epoch time. */
    int64_t reply_id;      /* id of a command reply, -1 otherwise */
    qf_bytes request_id;   /* params.requestId (raw JSON string content; ids have no escapes) */
    qf_bytes method_name;  /* the method string (for QF_METHOD_OTHER reporting) */
    qf_bytes url;          /* params.url of webSocketCreated; empty otherwise */
    /* Frame data: opcode 1 -> the UTF-8 text, unescaped; any other opcode -> base64-decoded bytes.
       QF_PADDING readable bytes follow it, so it can be handed to qf_parse_event/payload as is. */
    qf_bytes payload;
} qf_frame;

/**
 * Parses one line (no trailing newline needed; trailing whitespace is fine).
 * `readable` is how many bytes may be read from `line` (>= len). When it is at least
 * len + QF_PADDING the line is parsed in place; otherwise it is copied once into padded scratch.
 */
qf_status qf_parse_line(qf_parser *parser, const uint8_t *line, size_t len, size_t readable,
                        qf_frame *out);

/**
 * JSONL iteration over a buffer holding many lines: finds the line starting at *offset (up to its
 * '\n', or the end of the buffer when `final` is 1), stores it in *line without the newline (a
 * trailing '\r' is dropped too) and advances *offset past it. Returns 1 when a line was found,
 * 0 when the rest holds no complete line (with `final` 0: keep it and read more). Lines are
 * handed out in place: with QF_PADDING readable bytes after the buffer, each can go to
 * qf_parse_line without a copy.
 */
int qf_jsonl_next(const uint8_t *buffer, size_t len, size_t *offset, int final, qf_bytes *line);

#ifdef __cplusplus
}
#endif

#endif /* QF_DECODE_H */
