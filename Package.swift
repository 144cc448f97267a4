// swift-tools-version: 6.1
import PackageDescription

// Platforms: built and tested on Linux (Debian 12, x86-64) only – that is what CI runs. The macOS
// minimum below is what the Synchronization module (Atomic, Mutex) needs there; macOS is not tested.
//
// Targets (docs/architecture.md has the graph): CSupport is the one C/C++ target; FastDecode turns
// bytes into market events; each concept under Sources/Engine is its own target; `Engine` (in
// Sources/Engine/Engine) is the composition root that wires sources → pipeline → sinks.

/// SwiftPM defines no NDEBUG in release C/C++ builds; without it simdjson keeps its asserts and
/// parses ~35 % slower (141 → 95 ns per 206-byte document, measured here).
let releaseNDEBUG: [CXXSetting] = [.define("NDEBUG", .when(configuration: .release))]

let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

/// A concept target inside Sources/Engine.
func concept(_ name: String, _ dependencies: [Target.Dependency], folder: String? = nil) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Engine/\(folder ?? name)")
}

let package = Package(
    name: "qflux",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "qflux", targets: ["qflux"]),
        .executable(name: "qflux-bench", targets: ["qflux-bench"]),
        .library(name: "FastDecode", targets: ["FastDecode"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "CSupport",
            cSettings: [.define("NDEBUG", .when(configuration: .release))],
            cxxSettings: releaseNDEBUG,
            linkerSettings: [
                .linkedLibrary("simdjson"),
                .linkedLibrary("lz4"),
                .linkedLibrary("websockets"),
                .linkedLibrary("cap"),  // libwebsockets' headers and library need libcap
                .linkedLibrary("hiredis"),
            ]
        ),
        .target(name: "FastDecode", dependencies: ["CSupport"]),

        // Concepts, bottom up.
        concept("Metrics", []),
        concept("Ring", []),
        concept("Indicators", ["FastDecode"]),
        concept("Backtest", ["Indicators", "FastDecode"]),
        concept("Candles", ["FastDecode"]),
        concept("LibWebSockets", ["CSupport", "Ring"]),
        concept("Archive", ["Candles", "FastDecode", "CSupport", logging]),
        concept("MarketSource", ["FastDecode"]),
        concept("ChromeCDP", ["MarketSource", "Metrics", "FastDecode", "CSupport", "LibWebSockets", logging]),
        concept("Demo", ["MarketSource", "Metrics", "FastDecode"]),
        concept("Collect", ["ChromeCDP", "Archive", "Candles", "FastDecode", logging]),
        concept("SocketIOServer", ["Candles", "Ring", "Metrics", "FastDecode", "CSupport", "LibWebSockets", "Indicators", logging]),
        concept("RedisBridge", ["Ring", "Candles", "Archive", "MarketSource", "Metrics", "FastDecode", "CSupport", logging]),
        // The composition root: ring, pipeline, sinks, wiring.
        concept("Engine", [
            "Ring", "Candles", "Archive", "MarketSource", "ChromeCDP", "Demo", "SocketIOServer", "Metrics", "RedisBridge",
            "Indicators", "Backtest", "FastDecode", logging,
        ]),

        .executableTarget(
            name: "qflux",
            dependencies: [
                "Engine", "Archive", "Candles", "ChromeCDP", "Demo", "SocketIOServer", "FastDecode", "RedisBridge", "Indicators", "Backtest",
                "Collect",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                logging,
            ]
        ),
        .executableTarget(
            name: "qflux-bench",
            dependencies: [
                "Engine", "Archive", "Candles", "Ring", "ChromeCDP", "Demo", "SocketIOServer",
                "FastDecode", "CSupport", "LibWebSockets", "RedisBridge", "Indicators", "Backtest",
            ],
            exclude: ["Scripts"]  // the bench's Python programs, found at run time (BenchScripts)
        ),
        .testTarget(
            name: "FastDecodeTests",
            dependencies: ["FastDecode", "CSupport"],
            path: "Tests/FastDecodeTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: [
                "Engine", "Archive", "Candles", "Ring", "ChromeCDP", "Demo", "SocketIOServer", "MarketSource",
                "Metrics", "FastDecode", "RedisBridge", "Indicators", "Collect",
            ],
            path: "Tests/EngineTests",
            exclude: ["Scripts"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AnalysisTests",
            dependencies: ["Indicators", "Backtest", "FastDecode"],
            path: "Tests/AnalysisTests",
            exclude: ["Scripts", "Fixtures"]
        ),
    ],
    cxxLanguageStandard: .cxx17
)
