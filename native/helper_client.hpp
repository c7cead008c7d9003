// The native plugins' side of the helper protocol (PROTOCOL.md), shared by libdnf's plugin
// (libdnf-plugin/rocm_notice.cpp: PackageKit, microdnf) and libdnf5's (dnf5-plugin/
// rocm_notice.cpp: dnf5): write a request as JSON, run the helper with a deadline, read
// its answer (and keep the gate's helper for the transaction's request); the names file
// that says which transactions may move ROCm; and the one fallback rule for when the
// helper never answered (the configuration files say lock or block). Nothing here knows
// a package manager: each plugin reads its own packages.
// Included once per plugin (one translation unit each), so everything is file-local.

#ifndef ROCM_NOTICE_HELPER_CLIENT_HPP
#define ROCM_NOTICE_HELPER_CLIENT_HPP

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#ifndef ROCM_NOTICE_NAMES      // rocm_notice.frontends.native.names writes it at build time
#define ROCM_NOTICE_NAMES "/usr/share/rocm-epel-notice/names"
#endif
#ifndef ROCM_NOTICE_HELPER
#define ROCM_NOTICE_HELPER "/usr/libexec/rocm-epel-notice/rocm-epel-notice-helper"
#endif

extern char **environ;

namespace {

const int PROTOCOL = 1;
const int HELPER_SECONDS = 300;     // a big repository takes seconds to parse; never hang
const size_t MAX_ANSWER = 16u << 20;    // a hold of 10,000 NEVRAs is ~1 MiB; never grow unbounded
const size_t CONFIG_LIMIT = 1u << 20;   // as the core reads a configuration file: 1 MiB
const int END_SECONDS = 5;          // a helper told to end (its input closed) exits at once
const char *MAGIC = "rocm-notice-libdnf";
const char *MSG_HELPER = "rocm_notice: internal error: %s (transaction not affected)\n";
// The same failure before the transaction (set-up) where the policy says lock or block:
// the transaction will be affected -- refused, unless the helper answers by then.
const char *MSG_HELPER_CLOSED = "rocm_notice: internal error: %s (the ROCm policy says lock "
                                "or block: the transaction will be refused unless this "
                                "is fixed)\n";

struct Answer {
    bool ok = false;
    int fail_closed = -1;               // -1: not said
    std::vector<std::string> messages;
    bool has_excludes = false;
    std::vector<std::string> excludes;
    std::string refuse;
    bool report_written = false;        // the report applies once rpm has run
    bool holds = false;                 // a lock is in force
    bool waits = false;                 // the helper waits for the transaction's request
    std::string problem;                // why there is no answer (the helper's "failed" too)
};

// -- the request: JSON ------------------------------------------------------------------

void json_string(std::string &out, const char *text)
{
    out += '"';
    for (const unsigned char *c = (const unsigned char *)(text ? text : ""); *c; ++c) {
        if (*c == '"' || *c == '\\') {
            out += '\\';
            out += (char)*c;
        } else if (*c < 0x20) {
            char escaped[8];
            snprintf(escaped, sizeof escaped, "\\u%04x", *c);
            out += escaped;
        } else {
            out += (char)*c;
        }
    }
    out += '"';
}

void json_key(std::string &out, const char *key, const char *value)
{
    json_string(out, key);
    out += ':';
    json_string(out, value);
    out += ',';
}

// ``"key":["a","b",...],`` from the strings of ``items`` (C strings or std::string).
template <typename Strings>
void json_strings(std::string &out, const char *key, const Strings &items)
{
    json_string(out, key);
    out += ":[";
    bool first = true;
    for (const auto &item : items) {
        if (!first)
            out += ',';
        first = false;
        json_string(out, std::string(item).c_str());
    }
    out += "],";
}

// -- which transactions may move ROCm ----------------------------------------------------

// What may make a package ROCm's: the names file (ROCM_NOTICE_NAMES; see
// rocm_notice/frontends/native/names.py for its lines). A superset of the catalog's
// answer: the helper decides. ``ok`` is false when the file cannot be read (then every
// transaction is asked about).
struct Names {
    bool ok = false;
    std::set<std::string> names, sources;
    std::vector<std::string> name_globs, version_globs;
};

Names read_names(const char *path)
{
    Names found;
    std::ifstream file(path);
    std::string line;
    while (file && std::getline(file, line)) {
        size_t space = line.find(' ');
        if (line.empty() || line[0] == '#' || space == std::string::npos)
            continue;
        std::string key = line.substr(0, space), value = line.substr(space + 1);
        if (key == "name")
            found.names.insert(value);
        else if (key == "name-glob")
            found.name_globs.push_back(value);
        else if (key == "source")
            found.sources.insert(value);
        else if (key == "version-glob")
            found.version_globs.push_back(value);
        found.ok = found.ok || key == "source";
    }
    return found;
}

bool any_glob(const std::vector<std::string> &globs, const char *text)
{
    for (const auto &glob : globs)
        if (fnmatch(glob.c_str(), text, 0) == 0)
            return true;
    return false;
}

// The name of a source RPM file ("rocblas-7.1.1-1.el10_2.src.rpm" -> "rocblas").
std::string source_name(const char *sourcerpm)
{
    std::string name = sourcerpm ? sourcerpm : "";
    for (int dashes = 0; dashes < 2; ++dashes) {
        size_t dash = name.rfind('-');
        if (dash == std::string::npos)
            return "";
        name.resize(dash);
    }
    return name;
}

// Whether the names file knows a package by its name, its version or its source RPM.
bool names_know(const Names &known, const char *name, const char *version, const char *sourcerpm)
{
    std::string source = source_name(sourcerpm);
    return (name && (known.names.count(name) || any_glob(known.name_globs, name))) ||
           (version && any_glob(known.version_globs, version)) ||
           known.sources.count(source) || any_glob(known.name_globs, source.c_str());
}

// The names file: ROCM_NOTICE_NAMES in the environment (tests, diagnosis) or where the
// package installs it, read again whenever it changed on disk (packagekitd runs for
// hours, across an upgrade of the package that brings new names). ``ok`` false: every
// transaction is asked about.
const Names &names_file()
{
    static Names known;
    static std::string seen = "none";
    const char *env = getenv("ROCM_NOTICE_NAMES");
    const char *path = env && *env ? env : ROCM_NOTICE_NAMES;
    struct stat info;
    std::string now = stat(path, &info) != 0 ? "" :
        std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) + ":" +
        std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
        std::to_string(info.st_mtim.tv_nsec);
    if (now != seen) {
        known = read_names(path);
        seen = now;
    }
    return known;
}

// -- the helper: a request in, an answer out ---------------------------------------------

Answer parse(const std::string &text)
{
    Answer answer;
    size_t start = 0;
    bool header = false;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            break;      // a last line without its newline: cut off
        std::string line = text.substr(start, end - start);
        start = end + 1;
        size_t tab = line.find('\t');
        std::string key = line.substr(0, tab);
        std::string value = tab == std::string::npos ? "" : line.substr(tab + 1);
        if (!header) {
            header = key == MAGIC && value == std::to_string(PROTOCOL);
            if (!header)
                break;
        } else if (key == "end") {
            answer.ok = answer.problem.empty();     // "failed": no answer, the fallback decides
            return answer;
        } else if (key == "failed") {
            answer.problem = value.empty() ? "the helper could not decide" : value;
        } else if (key == "fail_closed") {
            answer.fail_closed = value == "1";
        } else if (key == "message") {
            answer.messages.push_back(value);
        } else if (key == "excludes") {
            answer.has_excludes = true;
        } else if (key == "exclude") {
            answer.excludes.push_back(value);
        } else if (key == "refuse") {
            answer.refuse += (answer.refuse.empty() ? "" : "\n") + value;
        } else if (key == "report_written") {
            answer.report_written = value == "1";
        } else if (key == "holds") {
            answer.holds = value == "1";
        } else if (key == "waits") {
            answer.waits = value == "1";
        }
    }
    answer.problem = header ? "the helper's answer was cut off"
                            : "the helper did not answer (protocol " + std::to_string(PROTOCOL) + ")";
    return answer;
}

// How long the helper may take, in seconds: HELPER_SECONDS, or ROCM_NOTICE_HELPER_TIMEOUT
// (for diagnosis and tests; packagekitd starts with an empty environment).
int helper_seconds()
{
    const char *env = getenv("ROCM_NOTICE_HELPER_TIMEOUT");
    char *end = nullptr;
    long seconds = env && *env ? strtol(env, &end, 10) : 0;
    return end && !*end && seconds > 0 && seconds <= HELPER_SECONDS ? (int)seconds : HELPER_SECONDS;
}

// Reap the helper, waiting no later than the deadline; then kill it. A helper that
// closed its end of the socket but never exits must not hang the front end. True when
// it was killed here. (It is reaped just after its answer, while it exits: the first
// naps are short, 1 ms and doubling, so that no transaction waits a long nap for an exit
// that took a millisecond; then 20 ms each.)
bool reap(pid_t pid, time_t deadline, int *status)
{
    long nap_ms = 1;
    for (;;) {
        pid_t done = waitpid(pid, status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR))
            return false;       // ECHILD (SIGCHLD ignored by the front end): nothing to wait for
        if (time(nullptr) >= deadline)
            break;
        struct timespec nap = {0, nap_ms * 1000 * 1000};
        nanosleep(&nap, nullptr);
        nap_ms = nap_ms < 20 ? nap_ms * 2 : 20;
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
    return true;
}

// A running helper: its process and our end of its socket. One that answered a gate's
// request with ``waits`` is kept (``ask``): the same process answers the transaction's
// request once rpm has run (marking the report applied), so a transaction starts one
// Python, not two. Ending it (``end``, or the destructor: the plugin's handle freed, the
// front end exiting) closes our end, which ends its wait; it is reaped, or killed.
class Helper {
public:
    pid_t pid = -1;
    int fd = -1;

    Helper() = default;
    Helper(const Helper &) = delete;
    Helper &operator=(const Helper &) = delete;
    Helper(Helper &&other) noexcept { *this = std::move(other); }
    Helper &operator=(Helper &&other) noexcept
    {
        if (this != &other) {
            end();
            pid = other.pid;
            fd = other.fd;
            other.pid = other.fd = -1;
        }
        return *this;
    }
    ~Helper() { end(); }

    bool running() const { return pid > 0; }

    // Close our end and reap the helper by ``deadline`` (0: END_SECONDS from now: a helper
    // that waits exits at once), else kill it. True when it was killed here.
    bool end(time_t deadline = 0, int *status = nullptr)
    {
        int ignored = 0;
        if (fd >= 0)
            close(fd);
        bool killed = pid > 0 && reap(pid, deadline ? deadline : time(nullptr) + END_SECONDS,
                                      status ? status : &ignored);
        pid = fd = -1;
        return killed;
    }
};

// Start the helper for ``front_end`` on a new socket: "" or why not.
std::string spawn(Helper &helper, const std::string &program, const char *front_end)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return std::string("socketpair: ") + strerror(errno);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    char *argv[] = {const_cast<char *>(program.c_str()), const_cast<char *>(front_end), nullptr};
    pid_t pid;
    int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return "cannot run " + program + ": " + strerror(rc);
    }
    helper.pid = pid;
    helper.fd = fds[0];
    return "";
}

// Whether ``text`` ends with a whole answer: its last line is "end" (no value holds a
// newline, so no other line can be "end").
bool answer_complete(const std::string &text)
{
    size_t size = text.size();
    return size >= 4 && text.compare(size - 4, 4, "end\n") == 0 &&
           (size == 4 || text[size - 5] == '\n');
}

// What one exchange got: the answer's text, and whether it ran out of time or room.
struct Reply {
    std::string text;
    bool timed_out = false;
    bool too_big = false;
};

// Send ``request`` as one line and read the answer up to its "end" line (or the end of
// the helper's output), by ``deadline``: writing and reading together, so a helper that
// dies early gives EPIPE here (MSG_NOSIGNAL: no SIGPIPE for the front end). ``last``: no
// other request follows on this socket: our end is shut for writing once it is sent.
Reply talk(const Helper &helper, const std::string &request, bool last, time_t deadline)
{
    Reply reply;
    std::string line = request + "\n";
    size_t sent = 0;
    bool shut = false;
    while (!answer_complete(reply.text)) {
        if (last && !shut && sent == line.size()) {
            shutdown(helper.fd, SHUT_WR);
            shut = true;
        }
        struct pollfd pfd = {helper.fd, (short)(POLLIN | (sent < line.size() ? POLLOUT : 0)), 0};
        int left = (int)(deadline - time(nullptr));
        if (left <= 0) {
            reply.timed_out = true;
            break;
        }
        int ready = poll(&pfd, 1, left * 1000);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0) {
            reply.timed_out = ready == 0;
            break;
        }
        if ((pfd.revents & POLLOUT) && sent < line.size()) {
            ssize_t n = send(helper.fd, line.data() + sent, line.size() - sent,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                sent += (size_t)n;
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                sent = line.size();     // the helper is gone; read what it said
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            char buffer[65536];
            ssize_t n = recv(helper.fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0)
                reply.text.append(buffer, (size_t)n);
            else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                break;
            if (reply.text.size() > MAX_ANSWER) {
                reply.too_big = true;
                break;
            }
        }
    }
    return reply;
}

// Ask about ``request``: a new helper for ``front_end`` (its first argument: libdnf,
// dnf5), or the one ``use`` holds, which waits for this request (the transaction's; one
// that stopped waiting, as it does after a while, is ended and a new one run). ``keep``:
// where an answer that says ``waits`` leaves its helper, for that next request (the
// gate's, whose report the transaction applies). Any other helper is ended here, and its
// exit status checked.
Answer ask(const std::string &request, const char *front_end, Helper *use = nullptr,
           Helper *keep = nullptr)
{
    const char *env = getenv("ROCM_NOTICE_HELPER");
    std::string program = env && *env ? env : ROCM_NOTICE_HELPER;
    const int seconds = helper_seconds();
    Helper helper;
    if (use)
        helper = std::move(*use);
    Reply reply;
    time_t deadline = time(nullptr) + seconds;
    if (helper.running()) {
        reply = talk(helper, request, !keep, deadline);
        if (reply.text.empty() && !reply.timed_out)
            helper.end();       // it stopped waiting: a new one below
    }
    if (!helper.running()) {
        Answer none;
        none.problem = spawn(helper, program, front_end);
        if (!none.problem.empty())
            return none;
        deadline = time(nullptr) + seconds;
        reply = talk(helper, request, !keep, deadline);
    }
    Answer answer = reply.too_big ? Answer() : parse(reply.text);
    if (keep && answer.ok && answer.waits && answer.refuse.empty() && !reply.timed_out) {
        *keep = std::move(helper);
        return answer;
    }
    int status = 0;     // a helper out of time or room is killed at once (a deadline now)
    bool killed = helper.end(reply.timed_out || reply.too_big ? time(nullptr) : deadline, &status);
    bool timed_out = reply.timed_out || (killed && !reply.too_big);
    if (reply.too_big)
        answer.problem = "the helper's answer is larger than " +
                         std::to_string(MAX_ANSWER >> 20) + " MiB";
    else if (timed_out)
        answer.problem = "the helper took longer than " + std::to_string(seconds) + " s";
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        answer.problem = program + (WIFSIGNALED(status)
                                        ? " was killed by signal " + std::to_string(WTERMSIG(status))
                                        : " failed (exit " + std::to_string(WEXITSTATUS(status)) + ")");
    if (!answer.problem.empty())
        answer.ok = false;
    return answer;
}

// -- when the helper never answered: the configuration files ------------------------------

// A configuration file's text, as far as the crude reading below needs it: a regular
// file only (opened without blocking: a FIFO or a device where a file should be must not
// hang the front end), its first CONFIG_LIMIT bytes.
bool read_config(const std::string &path, std::string &text)
{
    int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat info;
    bool regular = fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
    char buffer[65536];
    while (regular && text.size() < CONFIG_LIMIT) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        text.append(buffer, (size_t)n);
    }
    close(fd);
    return regular;
}

// The length of the white space character at ``text[at]``, or 0: what Python's
// str.strip() strips, as the core's reader does -- ASCII white space, \x1c-\x1f, and the
// Unicode ones (a no-break space pasted from a web page): U+0085, U+00A0, U+1680,
// U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, as UTF-8. Nothing else, so a
// value such as "warn" followed by a zero-width space stays not valid, as for the core.
size_t space_length(const std::string &text, size_t at)
{
    auto byte = [&](size_t k) { return at + k < text.size() ? (unsigned char)text[at + k] : 0; };
    unsigned char c = byte(0);
    if (c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f))
        return 1;
    if (c == 0xc2 && (byte(1) == 0x85 || byte(1) == 0xa0))
        return 2;
    bool wide = (c == 0xe1 && byte(1) == 0x9a && byte(2) == 0x80) ||
                (c == 0xe2 && byte(1) == 0x80 &&
                 (byte(2) <= 0x8a || byte(2) == 0xa8 || byte(2) == 0xa9 || byte(2) == 0xaf)) ||
                (c == 0xe2 && byte(1) == 0x81 && byte(2) == 0x9f) ||
                (c == 0xe3 && byte(1) == 0x80 && byte(2) == 0x80);
    return wide && byte(2) >= 0x80 ? 3 : 0;
}

std::string lowered_stripped(const std::string &text)
{
    size_t first = 0, last = text.size();
    for (size_t n; first < last && (n = space_length(text, first)) && first + n <= last;)
        first += n;
    for (bool more = true; more && last > first;) {
        more = false;
        for (size_t n = 1; n <= 3 && n <= last - first && !more; ++n)
            if (space_length(text, last - n) == n) {
                last -= n;
                more = true;
            }
    }
    std::string out = text.substr(first, last - first);
    for (auto &c : out)
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
    return out;
}

// A value without a comment after it: '#' or ';' after a blank starts one, as the core's
// ini reader reads it (io.ini.split_comment).
std::string without_comment(const std::string &value)
{
    for (size_t i = 1; i < value.size(); ++i)
        if ((value[i] == '#' || value[i] == ';') && (value[i - 1] == ' ' || value[i - 1] == '\t'))
            return value.substr(0, i - 1);
    return value;
}

// The one rule the front ends' fallbacks share (the core's reader is the full one):
// ``text`` says "fail closed" when any on_major or on_minor setting in it is anything but
// warn -- lock, block, or a value that is not valid (the admin may have meant lock or
// block). Read as the core's ini reader reads a setting: ``key = value`` or ``key: value``
// (the first of the two separators), any case, a comment after the value, the value on an
// indented continuation line, a byte order mark.
std::vector<std::string> config_lines(const std::string &text)
{
    std::vector<std::string> lines;
    size_t start = text.compare(0, 3, "\xef\xbb\xbf") == 0 ? 3 : 0;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// The key a line sets, as the core tells a policy key (its letters, lowered: on-major,
// "On Major" and onmajor are on_major misspelt, which the core refuses on), and where its
// value starts; "" for none.
std::string setting_key(const std::string &line, size_t &value_at)
{
    size_t cut = line.find_first_of("=:");
    if (cut == std::string::npos)
        return "";
    value_at = cut + 1;
    std::string key = lowered_stripped(line.substr(0, cut));
    if (key.empty() || key[0] == '#' || key[0] == ';')
        return "";      // a comment
    std::string letters;
    for (size_t i = 0; i < key.size(); ++i) {
        if (key[i] >= 'a' && key[i] <= 'z')
            letters += key[i];
        else if (key.compare(i, 2, "\xc4\xb0") == 0)
            letters += 'i';     // U+0130, which Python lowers to an i (and a dot above)
    }
    return letters == "onmajor" ? "on_major" : letters == "onminor" ? "on_minor" : letters;
}

bool says_safety(const std::string &text)
{
    std::vector<std::string> lines = config_lines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
        size_t cut = 0;
        std::string key = setting_key(lines[i], cut);
        if (key != "on_major" && key != "on_minor")
            continue;
        // The value and its continuation lines (indented, up to a blank or comment line):
        // warn only where exactly one of them says warn.
        std::string value = lowered_stripped(without_comment(lines[i].substr(cut)));
        int parts = value.empty() ? 0 : 1;
        for (size_t next = i + 1; next < lines.size() &&
                                  (lines[next][0] == ' ' || lines[next][0] == '\t'); ++next) {
            std::string more = lowered_stripped(lines[next]);
            if (more.empty() || more[0] == '#' || more[0] == ';')
                break;
            value = lowered_stripped(without_comment(lines[next]));
            ++parts;
        }
        if (value != "warn" || parts != 1)
            return true;
    }
    return false;
}

// Whether ``text`` sets ``include``: the admin's own ROCm names, which the names file
// cannot know.
bool sets_include(const std::string &text)
{
    size_t cut = 0;
    for (const auto &line : config_lines(text))
        if (setting_key(line, cut) == "include")
            return true;
    return false;
}

// Whether every transaction must be asked about, whatever its packages: ``text`` says
// anything but warn (says_safety: read now, since packagekitd set up long ago), or sets
// ``include``.
bool asks_always(const std::string &text)
{
    return says_safety(text) || sets_include(text);
}

// The configuration files: rocm_notice.conf and rocm_notice.d/*.conf.
std::vector<std::string> config_files(const std::string &confdir)
{
    std::vector<std::string> files = {confdir + "/rocm_notice.conf"};
    std::string dropins = confdir + "/rocm_notice.d";
    if (DIR *dir = opendir(dropins.c_str())) {
        while (const struct dirent *entry = readdir(dir)) {
            std::string name = entry->d_name;
            if (name.size() > 5 && name.compare(name.size() - 5, 5, ".conf") == 0)
                files.push_back(dropins + "/" + name);
        }
        closedir(dir);
    }
    return files;
}

// Whether any configuration file ``says`` so.
bool any_config(const std::string &confdir, bool (*says)(const std::string &))
{
    for (const auto &file : config_files(confdir)) {
        std::string text;
        if (read_config(file, text) && says(text))
            return true;
    }
    return false;
}

// When the helper never answered: does any configuration file say anything but warn?
// (A crude reading, on purpose: any such line fails closed, even one a later file
// overrides.) The admin chose safety, so a helper that never answered refuses (as the
// dnf 4 plugin fails closed).
bool config_says_safety(const std::string &confdir)
{
    return any_config(confdir, says_safety);
}

// Whether a dependency can name a soname ("lib*.so*", a superset of what the analysis
// reads as one): the installed packages' provides the request carries (the analysis
// compares only sonames of what stays installed), so that a whole rpmdb costs a few
// hundred kilobytes; and the requires of an incoming package that is no ROCm package.
bool names_a_soname(const char *dependency)
{
    return dependency && strncmp(dependency, "lib", 3) == 0 && strstr(dependency, ".so");
}

// Which packages the gate's request carries whole: those that may be ROCm's by the names
// file (the catalog knows a subset of them), unless the file cannot be read or the admin
// names more (include): then every one. Of the other installed packages it carries none
// (the helper reads only those the catalog knows); of the transaction's other packages,
// only what the analysis reads of a package that is not ROCm's and obsoletes nothing (one
// that does may take a ROCm package's place, and is sent whole): leaving, who it is;
// coming in, who it is and the requires that can name a soname (a consumer of a new
// line is found by them). A request of 1,000 installed packages, or of a 1,000-package
// upgrade with every dependency, costs the plugin milliseconds to write and the helper
// tens to read.
struct NamesFilter {
    const Names &known = names_file();
    bool every;

    explicit NamesFilter(const std::string &confdir)
        : every(!known.ok || any_config(confdir, sets_include)) {}

    bool wanted(const char *name, const char *version, const char *sourcerpm) const
    {
        return every || names_know(known, name, version, sourcerpm);
    }
};

// The end of a JSON object whose last member left a ',' after it.
void close_object(std::string &out)
{
    if (!out.empty() && out.back() == ',')
        out.back() = '}';
    else
        out += '}';
}

// The refusal when the helper could not answer and policy says lock or block: what
// failed, and how to proceed (``remedy``: the front end's way to leave the plugin out).
std::string fail_closed_message(const std::string &problem, const std::string &confdir,
                                const char *remedy)
{
    return "rocm_notice: could not evaluate ROCm policy: " + problem + "; the transaction "
           "is blocked because policy says lock or block. To proceed anyway: set on_major "
           "and on_minor to warn in " + confdir + "/rocm_notice.conf, or " + remedy + ".";
}

// What the configuration files are now (they are not read): the drop-in directory and
// each file, with its inode, size, modification and change times.
std::string config_stamp(const std::string &confdir)
{
    std::vector<std::string> names = config_files(confdir);
    names.push_back(confdir + "/rocm_notice.d");      // a drop-in added or removed
    std::sort(names.begin(), names.end());
    std::string stamp;
    for (const auto &name : names) {
        struct stat info;
        stamp += name;
        if (stat(name.c_str(), &info) == 0)
            stamp += ":" + std::to_string(info.st_ino) + ":" + std::to_string(info.st_size) +
                     ":" + std::to_string(info.st_mtim.tv_sec) + "." +
                     std::to_string(info.st_mtim.tv_nsec) + ":" +
                     std::to_string(info.st_ctim.tv_sec) + "." +
                     std::to_string(info.st_ctim.tv_nsec);
        stamp += '\n';
    }
    return stamp;
}

// What a plugin does at a hook that got no answer (``problem``: why; the helper failed,
// or the plugin's own work threw): the policy as the helper last said it (``heard``),
// or else as the configuration files say (``no_answer``). At the transaction's gate
// (``gate``) under lock or block, the refusal to throw (returned; "" for none).
// Otherwise one line on stderr: under lock or block it says the transaction will be
// refused, unless this is the hook after the transaction (``after``), where nothing is
// left to refuse.
struct Fallback {
    int fail_closed = -1;       // what the helper last said (-1: it has not said yet)
    std::string said_on;        // the configuration files' stamp when it said it
    bool told = false;

    // The files as they are before the helper is asked (a write while it runs then
    // counts as a change): ``heard`` keeps this stamp with its answer.
    std::string asking(const std::string &confdir)
    {
        try {
            return config_stamp(confdir);
        } catch (const std::exception &) {
            return "";
        }
    }

    // The helper's word on the policy, and the files' stamp from before it was asked.
    void heard(int closed, const std::string &stamp)
    {
        if (closed < 0)
            return;
        fail_closed = closed;
        said_on = stamp;
    }

    // No answer: as the helper last said, where the files are as they were then; else
    // closed where it said so or the files say so now, by the fallback rule, read
    // afresh (packagekitd runs for days, and a block written since the last answer must
    // hold). The line is said once per process, and at every gate that lets a
    // transaction through (one for each transaction of a long-running one).
    std::string no_answer(const std::string &problem, const std::string &confdir, bool gate,
                          bool after, const char *remedy)
    {
        bool closed = fail_closed == 1;
        try {
            if (fail_closed < 0 || said_on.empty() || config_stamp(confdir) != said_on)
                closed = closed || config_says_safety(confdir);
        } catch (const std::exception &) {      // out of memory: nothing more to read
            closed = closed || fail_closed < 0;
        }
        if (gate && closed)
            return fail_closed_message(problem, confdir, remedy);
        if (!told || gate)
            fprintf(stderr, closed && !after ? MSG_HELPER_CLOSED : MSG_HELPER,
                    problem.c_str());
        told = true;
        return "";
    }
};

}  // namespace

#endif
