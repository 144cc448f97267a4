/// A growing byte buffer that reassembles one WebSocket message from its fragments, always
/// followed by at least `padding` readable bytes (the decoder reads up to 64 bytes past the end).
/// Reused across messages: it only allocates when a message is larger than any before it.
struct MessageBuffer: ~Copyable {
    static let padding = 64
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private(set) var capacity: Int

    init(initialCapacity: Int = 256 << 10) {
        capacity = max(initialCapacity, 4096)
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity + Self.padding, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: capacity + Self.padding)
    }

    deinit { base.deallocate() }

    /// Appends bytes, growing (doubling) when needed.
    mutating func append(_ bytes: UnsafeRawPointer, _ n: Int) {
        guard n > 0 else { return }
        if count + n > capacity {
            var newCapacity = capacity * 2
            while newCapacity < count + n { newCapacity *= 2 }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity + Self.padding, alignment: 64)
            grown.copyMemory(from: base, byteCount: count)
            (grown + count).initializeMemory(as: UInt8.self, repeating: 0, count: newCapacity + Self.padding - count)
            base.deallocate()
            base = grown
            capacity = newCapacity
        }
        (base + count).copyMemory(from: bytes, byteCount: n)
        count += n
    }

    /// Forgets the content (keeps the storage).
    mutating func reset() { count = 0 }

    /// The message and how many bytes are readable from its start (count + padding or more).
    var message: (bytes: UnsafeRawBufferPointer, readable: Int) {
        (UnsafeRawBufferPointer(start: base, count: count), capacity + Self.padding)
    }
}
