// swift-tools-version: 6.1
import PackageDescription

/// C and C++ settings shared by the CSupport target. SwiftPM defines no NDEBUG in release C/C++
/// builds; without it simdjson keeps its asserts and parses ~35% slower (see docs/performance.md).
let releaseNDEBUG: [CXXSetting] = [
    .define("NDEBUG", .when(configuration: .release)),
]

let package = Package(
    name: "qflux",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "qflux", targets: ["qflux"]),
        .executable(name: "qflux-bench", targets: ["qflux-bench"]),
        .library(name: "FastDecode", targets: ["FastDecode"]),
        .library(name: "Engine", targets: ["Engine"]),
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
                .linkedLibrary("cap"),
            ]
        ),
        .target(
            name: "FastDecode",
            dependencies: ["CSupport"]
        ),
        .target(
            name: "Engine",
            dependencies: [
                "FastDecode",
                "CSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "qflux",
            dependencies: [
                "Engine",
                "FastDecode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "qflux-bench",
            dependencies: [
                "Engine",
                "FastDecode",
                "CSupport",
            ]
        ),
        .testTarget(
            name: "FastDecodeTests",
            dependencies: ["FastDecode", "CSupport"],
            path: "Tests/FastDecodeTests",
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "FastDecode"],
            path: "Tests/EngineTests",
            exclude: ["Scripts"]
        ),
    ],
    cxxLanguageStandard: .cxx17
)
