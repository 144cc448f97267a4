import FastDecode

/// The pipeline's entrance as a source sees it: one line of Chrome's DevTools traffic at a time
/// (a CDP event message or a Selenium perf-log entry), decoded and queued on the calling thread,
/// or events decoded elsewhere (a Redis-fed node reads ticks, not frames).
///
/// One source thread calls a feeder; the pipeline's implementation never blocks on the engine
/// except under `wait` backpressure (replay), and never allocates per tick.
package protocol FrameFeeder: AnyObject, Sendable {
    /// Decodes one line and queues its events for the engine. `readable` is how many bytes may be
    /// read from the line's start: with 64 spare bytes past its end the line is parsed in place,
    /// otherwise it is copied first.
    func feed(line: UnsafeRawBufferPointer, readable: Int)

    /// Queues events that need no decoding, in order, and publishes them to the engine once.
    func feed(events: some Sequence<DecodedEvent>)

    /// Where asset names become ``AssetID``s (shared with the decoder and the engine).
    var assets: AssetDirectory { get }
}
