/// Text that came from the broker's page (labels, payouts, element names, asset names from its
/// frames) made safe to print: a page is not trusted, and a label holding `ESC ]0;…BEL` or
/// `ESC [2J` would otherwise retitle or clear the user's terminal, and a bidi override would
/// reorder what the line appears to say.
///
/// The page scripts apply the same rule in JavaScript (``PageScripts/prelude``'s `qfClean`), so a
/// label read from the page and cleaned still matches the element it came from when clicked.
package enum PageText {
    /// The most Unicode scalars kept of one page string.
    package static let maxScalars = 80
    /// What replaces each control or bidi-control scalar.
    static let replacement: Unicode.Scalar = "?"

    /// `text` with every control character (C0, DEL, C1), bidi control (LRM, RLM, ALM, the
    /// embeddings and overrides U+202A–202E, the isolates U+2066–2069) and line or paragraph
    /// separator replaced by `?`, cut to ``maxScalars`` scalars.
    package static func clean(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var kept = 0
        for scalar in text.unicodeScalars {
            guard kept < maxScalars else { break }
            out.append(isUnsafe(scalar) ? replacement : scalar)
            kept += 1
        }
        return String(out)
    }

    /// `line` with control and bidi-control characters replaced (no length bound): for whole
    /// lines that embed page text, as a last guard before the terminal.
    package static func printable(_ line: String) -> String {
        guard line.unicodeScalars.contains(where: isUnsafe) else { return line }
        var out = String.UnicodeScalarView()
        for scalar in line.unicodeScalars { out.append(isUnsafe(scalar) ? replacement : scalar) }
        return String(out)
    }

    /// Whether a scalar may change what a terminal shows beyond printing itself.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true  // C0, DEL, C1 (ESC, BEL, CSI …)
        case 0x061C, 0x200E, 0x200F: true  // ALM, LRM, RLM
        case 0x2028, 0x2029: true  // line and paragraph separators
        case 0x202A...0x202E, 0x2066...0x2069: true  // bidi embeddings, overrides, isolates
        default: false
        }
    }
}
