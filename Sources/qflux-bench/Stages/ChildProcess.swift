import Foundation

/// Runs a program as a whole process, as a user runs it, and reports what the user feels: wall
/// time and CPU time (user + system, from `wait4`'s resource usage of that child alone), as
/// `/usr/bin/time` prints them. Not peak memory: `posix_spawn` starts the child in this process's
/// address space (vfork), so its high-water mark would include this large process.
enum ChildProcess {
    struct Timing {
        var wall: Double
        var cpu: Double
        var status: Int32
        /// Standard output and standard error, interleaved (qflux prints its summary on standard
        /// error, the Python script its result on standard output).
        var output: String
    }

    /// Runs `arguments[0]` (searched on PATH) with the rest as its arguments and waits for it.
    static func run(_ arguments: [String]) throws -> Timing {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw BenchError("pipe() failed (errno \(errno))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 2)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let start = now()
        let rc = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        close(pipe[1])
        guard rc == 0 else {
            close(pipe[0])
            throw BenchError("could not start \(arguments[0]) (error \(rc))")
        }
        // The output is small (a summary): read it to the end, then reap the child.
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipe[0], $0.baseAddress, $0.count) }
            if n > 0 { output += buffer[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        close(pipe[0])
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed (errno \(errno))") }
        }
        let wall = now() - start
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return Timing(
            wall: wall, cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime), status: exit,
            output: String(decoding: output, as: UTF8.self))
    }
}
