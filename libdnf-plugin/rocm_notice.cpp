// rocm_notice: the libdnf plugin (PackageKit, microdnf) of rocm-epel-notice.
//
// A thin front door: at the CONF hook (end of dnf_context_setup) and at PRE_TRANSACTION
// (after the user said yes and the packages were downloaded, before rpm runs) it hands
// the context to the Python helper (rocm_notice/frontends/libdnf/helper.py; protocol version 1 in
// PROTOCOL.md) and does what the answer says: print its lines on stderr, keep the
// excludepkgs patterns it gives (a lock's hold), and refuse the transaction by throwing a
// libdnf::Error, which libdnf turns into a GError (returning 0 from the hook would make
// dnf_context_run report success with nothing installed). Nothing is decided here.
//
// When the helper cannot answer (missing, crashed, silent): one line, and the transaction
// goes on -- unless policy says block (as the helper said earlier, or, when it never
// answered, as the configuration files say), then it is refused.

#include <libdnf/dnf-conf.h>
#include <libdnf/dnf-context.h>
#include <libdnf/dnf-goal.h>
#include <libdnf/dnf-package.h>
#include <libdnf/dnf-reldep-list.h>
#include <libdnf/dnf-reldep.h>
#include <libdnf/dnf-repo.h>
#include <libdnf/dnf-state.h>
#include <libdnf/hy-goal.h>
#include <libdnf/hy-package.h>
#include <libdnf/hy-query.h>
#include <libdnf/plugin/plugin.h>

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

#include <atomic>
#include <fstream>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef ROCM_NOTICE_NAMES      // rocm_notice.frontends.libdnf.names writes it at build time
#define ROCM_NOTICE_NAMES "/usr/share/rocm-epel-notice/libdnf-names"
#endif
#ifndef ROCM_NOTICE_HELPER
#define ROCM_NOTICE_HELPER "/usr/libexec/rocm-epel-notice/rocm-epel-notice-libdnf"
#endif

// libdnf's own error class (libdnf/error.hpp, not installed by libdnf-devel): the one
// that libdnf's C functions turn into a GError (CATCH_TO_GERROR catches libdnf::Error and
// libdnf::Goal::Error only; any other exception, a plain std::runtime_error included,
// ends in std::terminate). Declared here exactly as libdnf declares it.
namespace libdnf {
class Error : public std::runtime_error {
public:
    using runtime_error::runtime_error;
};
}  // namespace libdnf

extern char **environ;
extern char *program_invocation_short_name;

namespace {

const int PROTOCOL = 1;
const int HELPER_SECONDS = 300;     // a big repository takes seconds to parse; never hang
const size_t MAX_ANSWER = 16u << 20;    // a hold of 10,000 NEVRAs is ~1 MiB; never grow unbounded
const size_t CONFIG_LIMIT = 1u << 20;   // as the core reads a configuration file: 1 MiB
const char *MAGIC = "rocm-notice-libdnf";
const char *MSG_HELPER = "rocm_notice: internal error: %s (transaction not affected)\n";
// The same failure before the transaction (the CONF hook) where the policy says lock or
// block: the transaction will be affected -- refused, unless the helper answers by then.
const char *MSG_HELPER_CLOSED = "rocm_notice: internal error: %s (the ROCm policy says lock "
                                "or block: the transaction will be refused unless this "
                                "is fixed)\n";
const char *MSG_FAIL_CLOSED =
    "rocm_notice: could not evaluate ROCm policy: %s; the transaction is blocked because "
    "policy says lock or block. To proceed anyway: set on_major and on_minor to warn in %s, "
    "or remove the rocm_notice plugin from libdnf's plugin directory.";

const PluginInfo INFO = {"rocm_notice", "1"};

// The refusal: dnf_transaction_commit turns it into its GError (DNF_ERROR_INTERNAL_ERROR
// with our message), so dnf_context_run and PackageKit fail with it.
struct Refusal : libdnf::Error {
    explicit Refusal(const std::string &message) : libdnf::Error(message) {}
};

struct Answer {
    bool ok = false;
    int fail_closed = -1;               // -1: not said
    std::vector<std::string> messages;
    bool has_excludes = false;
    std::vector<std::string> excludes;
    std::string refuse;
    bool report_written = false;        // the report applies once rpm has run
    bool holds = false;                 // a lock is in force: watch the metadata
    std::string problem;                // why there is no answer
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

void json_deps(std::string &out, const char *key, DnfReldepList *deps)
{
    json_string(out, key);
    out += ":[";
    int count = deps ? dnf_reldep_list_count(deps) : 0;
    for (int i = 0; i < count; ++i) {
        DnfReldep *dep = dnf_reldep_list_index(deps, i);
        if (i)
            out += ',';
        json_string(out, dnf_reldep_to_string(dep));
        dnf_reldep_free(dep);
    }
    out += ']';
    if (deps)
        dnf_reldep_list_free(deps);
}

// Who a package is: its NEVRA and its source RPM (new subpackages are known by it).
void json_identity(std::string &out, DnfPackage *pkg)
{
    json_key(out, "name", dnf_package_get_name(pkg));
    out += "\"epoch\":" + std::to_string(dnf_package_get_epoch(pkg)) + ',';
    json_key(out, "version", dnf_package_get_version(pkg));
    json_key(out, "release", dnf_package_get_release(pkg));
    json_key(out, "arch", dnf_package_get_arch(pkg));
    json_key(out, "sourcerpm", dnf_package_get_sourcerpm(pkg));
}

void json_package(std::string &out, DnfPackage *pkg, const char *direction, const char *action)
{
    out += '{';
    json_key(out, "direction", direction);
    json_key(out, "action", action);
    json_identity(out, pkg);
    json_key(out, "repoid", dnf_package_get_reponame(pkg));
    json_deps(out, "provides", dnf_package_get_provides(pkg));
    out += ',';
    json_deps(out, "obsoletes", dnf_package_get_obsoletes(pkg));
    if (strcmp(direction, "in") == 0) {     // for consumers of a new line
        out += ',';
        json_deps(out, "requires", dnf_package_get_requires(pkg));
    }
    out += '}';
}

// The goal's packages: what comes in, and what leaves (replaced, obsoleted, removed),
// each once: ``visit(package, direction, action)``.
void each_item(HyGoal goal, const std::function<void(DnfPackage *, const char *, const char *)> &visit)
{
    static const struct { int info; const char *in; const char *out; } KINDS[] = {
        {DNF_PACKAGE_INFO_INSTALL, "install", "obsoleted"},
        {DNF_PACKAGE_INFO_UPDATE, "upgrade", "upgraded"},
        {DNF_PACKAGE_INFO_DOWNGRADE, "downgrade", "downgraded"},
        {DNF_PACKAGE_INFO_REINSTALL, "reinstall", "reinstalled"},
    };
    std::set<std::string> leaving;
    auto add = [&](DnfPackage *pkg, const char *direction, const char *action) {
        if (strcmp(direction, "out") == 0 &&
            !leaving.insert(dnf_package_get_nevra(pkg)).second)
            return;
        visit(pkg, direction, action);
    };
    for (const auto &kind : KINDS) {
        g_autoptr(GPtrArray) pkgs = dnf_goal_get_packages(goal, kind.info, -1);
        for (guint i = 0; pkgs && i < pkgs->len; ++i) {
            auto pkg = static_cast<DnfPackage *>(g_ptr_array_index(pkgs, i));
            add(pkg, "in", kind.in);
            g_autoptr(GPtrArray) old = hy_goal_list_obsoleted_by_package(goal, pkg);
            for (guint j = 0; old && j < old->len; ++j) {
                auto gone = static_cast<DnfPackage *>(g_ptr_array_index(old, j));
                bool same = g_strcmp0(dnf_package_get_name(gone), dnf_package_get_name(pkg)) == 0;
                add(gone, "out", same ? kind.out : "obsoleted");
            }
        }
    }
    static const struct { int info; const char *action; } GONE[] = {
        {DNF_PACKAGE_INFO_OBSOLETE, "obsoleted"}, {DNF_PACKAGE_INFO_REMOVE, "remove"}};
    for (const auto &kind : GONE) {
        g_autoptr(GPtrArray) pkgs = dnf_goal_get_packages(goal, kind.info, -1);
        for (guint i = 0; pkgs && i < pkgs->len; ++i)
            add(static_cast<DnfPackage *>(g_ptr_array_index(pkgs, i)), "out", kind.action);
    }
}

void json_items(std::string &out, HyGoal goal)
{
    bool first = true;
    out += "\"items\":[";
    each_item(goal, [&](DnfPackage *pkg, const char *direction, const char *action) {
        if (!first)
            out += ',';
        first = false;
        json_package(out, pkg, direction, action);
    });
    out += "],";
}

// What may make a package ROCm's: the names file (ROCM_NOTICE_NAMES; see
// rocm_notice/frontends/libdnf/names.py for its lines). A superset of the catalog's
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

bool may_be_rocm(const Names &known, DnfPackage *pkg, const char *direction)
{
    const char *name = dnf_package_get_name(pkg);
    const char *version = dnf_package_get_version(pkg);
    std::string source = source_name(dnf_package_get_sourcerpm(pkg));
    if ((name && (known.names.count(name) || any_glob(known.name_globs, name))) ||
        (version && any_glob(known.version_globs, version)) ||
        known.sources.count(source) || any_glob(known.name_globs, source.c_str()))
        return true;
    if (strcmp(direction, "in") != 0)
        return false;
    DnfReldepList *obsoletes = dnf_package_get_obsoletes(pkg);     // it may replace one
    bool replaces = obsoletes && dnf_reldep_list_count(obsoletes) > 0;
    if (obsoletes)
        dnf_reldep_list_free(obsoletes);
    return replaces;
}

// An installed package, as the analysis reads it: its NEVRA, source RPM and the provides
// that can name a soname ("lib*.so*": the analysis compares only sonames of what stays
// installed), so that a whole rpmdb costs a few hundred kilobytes.
void json_installed(std::string &out, DnfPackage *pkg)
{
    out += '{';
    json_identity(out, pkg);
    out += "\"provides\":[";
    DnfReldepList *deps = dnf_package_get_provides(pkg);
    int count = deps ? dnf_reldep_list_count(deps) : 0;
    bool first = true;
    for (int i = 0; i < count; ++i) {
        DnfReldep *dep = dnf_reldep_list_index(deps, i);
        const char *text = dnf_reldep_to_string(dep);
        if (text && strncmp(text, "lib", 3) == 0 && strstr(text, ".so")) {
            if (!first)
                out += ',';
            first = false;
            json_string(out, text);
        }
        dnf_reldep_free(dep);
    }
    if (deps)
        dnf_reldep_list_free(deps);
    out += "]}";
}

// What libdnf's own package set says, so that the helper loads no metadata and no rpmdb
// of its own: every installed package (as the rpmdb has them: excludes do not apply),
// and the names of the available packages that look like compat ones (<name>X.Y: the
// notice offers them to keep an old line beside the new one).
void json_sack(std::string &out, HyGoal goal)
{
    DnfSack *sack = hy_goal_get_sack(goal);     // the set the goal was resolved on:
    if (!sack)                                  // packagekitd's own, not the context's
        return;
    g_autoptr(GPtrArray) pkgs = nullptr;
    {
        hy_autoquery HyQuery installed = hy_query_create_flags(sack, HY_IGNORE_EXCLUDES);
        hy_query_filter(installed, HY_PKG_REPONAME, HY_EQ, HY_SYSTEM_REPO_NAME);
        pkgs = hy_query_run(installed);
    }
    out += "\"installed\":[";
    for (guint i = 0; pkgs && i < pkgs->len; ++i) {
        if (i)
            out += ',';
        json_installed(out, static_cast<DnfPackage *>(g_ptr_array_index(pkgs, i)));
    }
    g_autoptr(GPtrArray) offered = nullptr;
    {
        hy_autoquery HyQuery compat = hy_query_create(sack);
        hy_query_filter(compat, HY_PKG_REPONAME, HY_NEQ, HY_SYSTEM_REPO_NAME);
        hy_query_filter(compat, HY_PKG_NAME, HY_GLOB, "*[0-9].[0-9]*");
        offered = hy_query_run(compat);
    }
    out += "],\"compat_available\":[";
    std::set<std::string> names;
    for (guint i = 0; offered && i < offered->len; ++i)
        names.insert(dnf_package_get_name(static_cast<DnfPackage *>(g_ptr_array_index(offered, i))));
    bool first = true;
    for (const auto &name : names) {
        if (!first)
            out += ',';
        first = false;
        json_string(out, name.c_str());
    }
    out += "],";
}

// The enabled repositories' cached metadata, as libdnf reads it (check: no download).
void json_repos(std::string &out, DnfContext *context, bool check)
{
    out += "\"repos\":[";
    GPtrArray *repos = dnf_context_get_repos(context);
    bool first = true;
    for (guint i = 0; repos && i < repos->len; ++i) {
        auto repo = static_cast<DnfRepo *>(g_ptr_array_index(repos, i));
        if (!(dnf_repo_get_enabled(repo) & DNF_REPO_ENABLED_PACKAGES))
            continue;
        if (check) {
            g_autoptr(DnfState) state = dnf_state_new();
            g_autoptr(GError) error = nullptr;
            if (!dnf_repo_check(repo, G_MAXUINT, state, &error))
                continue;       // nothing cached yet: PRE_TRANSACTION catches what slips
        }
        const char *primary = dnf_repo_get_filename_md(repo, "primary");
        if (!primary)
            continue;
        out += first ? "{" : ",{";
        first = false;
        g_autofree gchar *repomd = g_build_filename(dnf_repo_get_location(repo), "repodata",
                                                    "repomd.xml", NULL);
        json_key(out, "repomd", repomd);
        json_key(out, "primary", primary);
        const char *filelists = dnf_repo_get_filename_md(repo, "filelists");
        json_key(out, "filelists", filelists ? filelists : "");
        json_string(out, "id");
        out += ':';
        json_string(out, dnf_repo_get_id(repo));
        out += '}';
    }
    out += "],";
}

// -- the helper: one request in, one answer out ------------------------------------------

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
            answer.ok = true;
            return answer;
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
// it was killed here.
bool reap(pid_t pid, time_t deadline, int *status)
{
    for (;;) {
        pid_t done = waitpid(pid, status, WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR))
            return false;       // ECHILD (SIGCHLD ignored by the front end): nothing to wait for
        if (time(nullptr) >= deadline)
            break;
        struct timespec nap = {0, 20 * 1000 * 1000};
        nanosleep(&nap, nullptr);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
    return true;
}

Answer ask(const std::string &request)
{
    const char *env = getenv("ROCM_NOTICE_HELPER");
    std::string helper = env && *env ? env : ROCM_NOTICE_HELPER;
    Answer none;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        none.problem = std::string("socketpair: ") + strerror(errno);
        return none;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    char *argv[] = {const_cast<char *>(helper.c_str()), nullptr};
    pid_t pid;
    int rc = posix_spawn(&pid, helper.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        none.problem = "cannot run " + helper + ": " + strerror(rc);
        return none;
    }
    // Write the request and read the answer together, with a deadline: a helper that
    // dies early gives EPIPE here (MSG_NOSIGNAL: no SIGPIPE for the front end).
    std::string reply;
    size_t sent = 0;
    const int seconds = helper_seconds();
    time_t deadline = time(nullptr) + seconds;
    bool timed_out = false, too_big = false;
    for (;;) {
        struct pollfd pfd = {fds[0], (short)(POLLIN | (sent < request.size() ? POLLOUT : 0)), 0};
        int left = (int)(deadline - time(nullptr));
        if (left <= 0) {
            timed_out = true;
            break;
        }
        int ready = poll(&pfd, 1, left * 1000);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0) {
            timed_out = ready == 0;
            break;
        }
        if ((pfd.revents & POLLOUT) && sent < request.size()) {
            ssize_t n = send(fds[0], request.data() + sent, request.size() - sent,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                sent += (size_t)n;
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                sent = request.size();      // the helper is gone; read what it said
            if (sent == request.size())
                shutdown(fds[0], SHUT_WR);
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            char buffer[65536];
            ssize_t n = recv(fds[0], buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0)
                reply.append(buffer, (size_t)n);
            else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                break;
            if (reply.size() > MAX_ANSWER) {
                too_big = true;
                break;
            }
        }
    }
    int status = 0;
    if (timed_out || too_big)
        kill(pid, SIGKILL);
    close(fds[0]);
    if (reap(pid, timed_out || too_big ? time(nullptr) : deadline, &status))
        timed_out = !too_big;
    Answer answer = too_big ? Answer() : parse(reply);
    if (too_big)
        answer.problem = "the helper's answer is larger than " +
                         std::to_string(MAX_ANSWER >> 20) + " MiB";
    else if (timed_out)
        answer.problem = "the helper took longer than " + std::to_string(seconds) + " s";
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        answer.problem = helper + (WIFSIGNALED(status) ? " was killed by signal " + std::to_string(WTERMSIG(status))
                                                       : " failed (exit " + std::to_string(WEXITSTATUS(status)) + ")");
    if (!answer.problem.empty())
        answer.ok = false;
    return answer;
}

// -- the plugin ---------------------------------------------------------------------------

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

std::string lowered_stripped(const std::string &text)
{
    size_t first = text.find_first_not_of(" \t\r\v\f");
    if (first == std::string::npos)
        return "";
    size_t last = text.find_last_not_of(" \t\r\v\f");
    std::string out = text.substr(first, last - first + 1);
    for (auto &c : out)
        c = (char)g_ascii_tolower(c);
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

// The key a line sets (lowered, stripped; "" for none), and where its value starts.
std::string setting_key(const std::string &line, size_t &value_at)
{
    size_t cut = line.find_first_of("=:");
    if (cut == std::string::npos)
        return "";
    value_at = cut + 1;
    return lowered_stripped(line.substr(0, cut));
}

bool says_safety(const std::string &text)
{
    std::vector<std::string> lines = config_lines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
        size_t cut = 0;
        std::string key = setting_key(lines[i], cut);
        if (key != "on_major" && key != "on_minor")
            continue;
        std::string value = lowered_stripped(without_comment(lines[i].substr(cut)));
        for (size_t next = i + 1; value.empty() && next < lines.size() &&
                                  (lines[next][0] == ' ' || lines[next][0] == '\t'); ++next)
            value = lowered_stripped(without_comment(lines[next]));
        if (value != "warn")
            return true;
    }
    return false;
}

// Whether every transaction must be asked about, whatever its packages: ``text`` says
// anything but warn (says_safety: read now, since packagekitd set up long ago), or sets
// ``include`` (the admin's own ROCm names, which the names file cannot know).
bool asks_always(const std::string &text)
{
    if (says_safety(text))
        return true;
    size_t cut = 0;
    for (const auto &line : config_lines(text))
        if (setting_key(line, cut) == "include")
            return true;
    return false;
}

// Whether any configuration file (rocm_notice.conf, rocm_notice.d/*.conf) ``says`` so.
bool any_config(const std::string &confdir, bool (*says)(const std::string &))
{
    std::vector<std::string> files = {confdir + "/rocm_notice.conf"};
    std::string dropins = confdir + "/rocm_notice.d";
    if (GDir *dir = g_dir_open(dropins.c_str(), 0, nullptr)) {
        while (const char *name = g_dir_read_name(dir))
            if (g_str_has_suffix(name, ".conf"))
                files.push_back(dropins + "/" + name);
        g_dir_close(dir);
    }
    for (const auto &file : files) {
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

}  // namespace

struct _PluginHandle {
    DnfContext *context = nullptr;
    std::string confdir;
    std::string base_excludes;      // excludepkgs as the configuration set it
    bool have_base = false;
    std::vector<std::string> excludes;  // ours, as last set
    int fail_closed = -1;           // -1: the helper has not said yet
    bool told = false;              // the helper's failure is said once per context
    bool report_pending = false;    // the last answer wrote a report this transaction applies
    bool holds = false;             // a lock is in force (the helper said so)
    bool conf_asked = true;         // the helper was asked at set-up (said the config's problems)
    int names_read = 0;             // the names file: 0 not yet read, 1 read, -1 unreadable
    Names names;
    std::string stamp;              // the repositories' metadata when the hold was worked out
    std::vector<std::string> hold_lines;    // the last hold's lines, said once until they change
    guint signal_id = 0;            // DnfState::percentage-changed, watched while holds
    gulong watch_id = 0;
    gpointer state_class = nullptr;
    std::atomic<bool> busy{false};  // a hook of ours is running (libdnf calls back into us)
    dev_t root_dev = 0;             // "/" as the front end sees it, outside rpm's chroot
    ino_t root_ino = 0;
};

namespace {

// Where each enabled repository's metadata stands on disk: its repomd.xml's identity,
// size and time. A new download (a refresh, a cold cache filled, the day EPEL 10.2
// appears) changes it; the same metadata read again does not.
std::string repos_stamp(DnfContext *context)
{
    std::string stamp;
    GPtrArray *repos = dnf_context_get_repos(context);
    for (guint i = 0; repos && i < repos->len; ++i) {
        auto repo = static_cast<DnfRepo *>(g_ptr_array_index(repos, i));
        if (!(dnf_repo_get_enabled(repo) & DNF_REPO_ENABLED_PACKAGES))
            continue;
        const char *location = dnf_repo_get_location(repo);
        g_autofree gchar *repomd = g_build_filename(location ? location : "", "repodata",
                                                    "repomd.xml", NULL);
        struct stat info;
        stamp += dnf_repo_get_id(repo);
        if (stat(repomd, &info) == 0)
            stamp += ":" + std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) +
                     ":" + std::to_string(info.st_size) + ":" +
                     std::to_string(info.st_mtim.tv_sec) + "." +
                     std::to_string(info.st_mtim.tv_nsec);
        stamp += '\n';
    }
    return stamp;
}

std::string request_for(PluginHandle *handle, const char *hook, HyGoal goal)
{
    const char *root = dnf_context_get_install_root(handle->context);
    const char *releasever = dnf_context_get_release_ver(handle->context);
    std::string out = "{\"protocol\":" + std::to_string(PROTOCOL) + ',';
    json_key(out, "hook", hook);
    json_key(out, "installroot", root ? root : "/");
    json_key(out, "confdir", handle->confdir.c_str());
    json_key(out, "releasever", releasever ? releasever : "");
    json_key(out, "program", program_invocation_short_name);
    // The repositories are for a lock's hold (set-up asks only where the fallback rule
    // says lock or block: pluginHook) and the notice's compat offers.
    if (strcmp(hook, "transaction") != 0)
        json_repos(out, handle->context, goal == nullptr);
    if (goal && !handle->conf_asked)      // set-up was not asked: the gate says the problems
        out += "\"conf_asked\":false,";
    if (goal) {
        json_items(out, goal);
        json_sack(out, goal);
    }
    out += "\"end\":true}";
    return out;
}

// True when ``ours`` replaced different excludes.
bool set_excludes(PluginHandle *handle, const std::vector<std::string> &ours)
{
    if (handle->have_base && ours == handle->excludes)
        return false;
    if (!handle->have_base) {
        enum DnfConfPriority priority;
        g_autoptr(GError) error = nullptr;
        gchar *value = dnf_conf_main_get_option("excludepkgs", &priority, &error);
        handle->base_excludes = value ? value : "";
        handle->have_base = value != nullptr;
        g_free(value);
        if (!handle->have_base)
            throw std::runtime_error(error ? error->message : "cannot read excludepkgs");
    }
    std::string value = handle->base_excludes;
    for (const auto &pattern : ours)
        value += (value.empty() ? "" : ",") + pattern;
    g_autoptr(GError) error = nullptr;
    if (!dnf_conf_main_set_option("excludepkgs", DNF_CONF_RUNTIME, value.c_str(), &error))
        throw std::runtime_error(error ? error->message : "cannot set excludepkgs");
    handle->excludes = ours;
    return true;
}

gboolean on_progress(GSignalInvocationHint *, guint, const GValue *, gpointer data);

// While a lock is in force, watch libdnf's progress: it reports after each repository it
// loads into a package set, before it applies the excludes to that set. Any DnfState of
// the process will do (PackageKit and microdnf each build their sets with one).
void watch_progress(PluginHandle *handle)
{
    struct stat root;
    if (handle->watch_id || !handle->holds || stat("/", &root) != 0)
        return;
    handle->root_dev = root.st_dev;
    handle->root_ino = root.st_ino;
    handle->state_class = g_type_class_ref(DNF_TYPE_STATE);
    handle->signal_id = g_signal_lookup("percentage-changed", DNF_TYPE_STATE);
    if (handle->signal_id)
        handle->watch_id = g_signal_add_emission_hook(handle->signal_id, 0, on_progress,
                                                      handle, nullptr);
}

// On a system whose policy is warn everywhere (set-up asked nothing: conf_asked, and no
// file says otherwise now), the gate asks the helper only about a transaction that may
// move ROCm: one with a package the names file knows, or a replacement. Without a
// readable names file, or with the admin's own names (include), every transaction is
// asked about.
bool may_move_rocm(PluginHandle *handle, HyGoal goal)
{
    if (!handle->names_read) {
        const char *path = getenv("ROCM_NOTICE_NAMES");
        handle->names = read_names(path && *path ? path : ROCM_NOTICE_NAMES);
        handle->names_read = handle->names.ok ? 1 : -1;
    }
    if (handle->names_read < 0 || any_config(handle->confdir, asks_always))
        return true;
    bool found = false;
    each_item(goal, [&](DnfPackage *pkg, const char *direction, const char *) {
        found = found || may_be_rocm(handle->names, pkg, direction);
    });
    return found;
}

// Ask the helper about this hook and carry out its answer.
void run_hook(PluginHandle *handle, const char *hook, HyGoal goal)
{
    bool hold_hook = strcmp(hook, "conf") == 0 || strcmp(hook, "repos_changed") == 0;
    if (hold_hook)      // the metadata the hold is worked out from, as it is now
        handle->stamp = repos_stamp(handle->context);
    Answer answer = ask(request_for(handle, hook, goal));
    // A hold worked out again says its lines only when they changed (one notice a run).
    bool quiet = strcmp(hook, "repos_changed") == 0 && answer.messages == handle->hold_lines;
    if (hold_hook && answer.ok)
        handle->hold_lines = answer.messages;
    for (const auto &line : answer.messages)
        if (!quiet)
            fprintf(stderr, "%s\n", line.c_str());
    if (answer.fail_closed >= 0)
        handle->fail_closed = answer.fail_closed;
    if (!answer.ok) {
        if (handle->fail_closed < 0)
            handle->fail_closed = config_says_safety(handle->confdir);
        if (goal && handle->fail_closed == 1) {
            char *text = g_strdup_printf(MSG_FAIL_CLOSED, answer.problem.c_str(),
                                         (handle->confdir + "/rocm_notice.conf").c_str());
            std::string message = text;
            g_free(text);
            throw Refusal(message);
        }
        bool after = strcmp(hook, "transaction") == 0;     // nothing left to refuse
        if (!handle->told)
            fprintf(stderr, handle->fail_closed == 1 && !after ? MSG_HELPER_CLOSED : MSG_HELPER,
                    answer.problem.c_str());
        handle->told = true;
        return;
    }
    handle->report_pending = answer.report_written;
    handle->holds = answer.holds;
    watch_progress(handle);
    // New excludes reach only package sets built from now on: a front end that keeps
    // its sets (packagekitd's "cached sack") is told to drop them ("invalidate").
    if (answer.has_excludes && set_excludes(handle, answer.excludes) &&
        strcmp(hook, "conf") != 0)
        dnf_context_invalidate(handle->context, "rocm_notice: the ROCm hold changed");
    if (!answer.refuse.empty())
        throw Refusal(answer.refuse);
}

// The emission hook (watch_progress): when the repositories' metadata on disk is not what
// the hold was worked out from, work it out again, so the package set being built keeps
// the installed line (never refused for a hold that was merely out of date). Nothing
// may leave here but TRUE: this runs inside libdnf's C code.
gboolean on_progress(GSignalInvocationHint *, guint, const GValue *, gpointer data)
{
    auto handle = static_cast<PluginHandle *>(data);
    bool idle = false;
    if (!handle->holds || !handle->busy.compare_exchange_strong(idle, true))
        return TRUE;
    struct stat root;
    if (stat("/", &root) != 0 || root.st_dev != handle->root_dev ||
        root.st_ino != handle->root_ino) {
        handle->busy = false;       // inside rpm's chroot (a transaction in an installroot)
        return TRUE;
    }
    try {
        if (repos_stamp(handle->context) != handle->stamp)
            run_hook(handle, "repos_changed", nullptr);
    } catch (...) {
        // set_excludes refused, out of memory: the transaction is still checked at
        // PRE_TRANSACTION, which refuses what the hold did not keep
    }
    handle->busy = false;
    return TRUE;
}

// Throw the refusal out of PRE_TRANSACTION, after releasing the rpmdb lock that
// dnf_transaction_commit took: libdnf releases it only on the function's ordinary way
// out, which the exception skips. Without this, a process that goes on after a refusal
// (packagekitd runs for hours) could never take the lock again: every later PackageKit
// transaction would fail with "failed to obtain lock 'rpmdb'" until it is restarted.
[[noreturn]] void refuse(DnfPluginHookData *hookData, const Refusal &refusal)
{
    if (DnfState *state = hookData ? hookContextTransactionGetState(hookData) : nullptr)
        dnf_state_release_locks(state);
    throw refusal;
}

}  // namespace

extern "C" {

const PluginInfo *pluginGetInfo(void)
{
    return &INFO;
}

PluginHandle *pluginInitHandle(int version, PluginMode mode, DnfPluginInitData *initData)
{
    // An inactive handle rather than none: libdnf stops initialising the plugins that
    // follow ours when one returns nullptr.
    auto handle = new PluginHandle;
    if (version != 1 || mode != PLUGIN_MODE_CONTEXT) {
        fprintf(stderr, "rocm_notice: libdnf plugin API %d, mode %d not supported; "
                        "plugin inactive\n", version, (int)mode);
        return handle;
    }
    handle->context = pluginGetContext(initData);
    return handle;
}

void pluginFreeHandle(PluginHandle *handle)
{
    if (handle && handle->watch_id)
        g_signal_remove_emission_hook(handle->signal_id, handle->watch_id);
    if (handle && handle->state_class)
        g_type_class_unref(handle->state_class);
    delete handle;
}

int pluginHook(PluginHandle *handle, PluginHookId id, DnfPluginHookData *hookData,
               DnfPluginError *error)
{
    (void)error;
    if (!handle || !handle->context)
        return 1;
    bool idle = false;
    bool mine = handle->busy.compare_exchange_strong(idle, true);   // on_progress waits
    struct Release { PluginHandle *handle; bool mine;
                     ~Release() { if (mine) handle->busy = false; } } release{handle, mine};
    try {
        if (id == PLUGIN_HOOK_ID_CONTEXT_CONF) {
            const char *dir = getenv("ROCM_NOTICE_CONFDIR");
            const char *root = dnf_context_get_install_root(handle->context);
            handle->confdir = dir && *dir ? dir
                : std::string(root && strcmp(root, "/") ? root : "") + "/etc/dnf/plugins";
            // Set-up asks the helper for a lock's hold. Where no configuration file
            // says anything but warn (the fallback rule), none can come of it: no helper
            // runs, and the transaction's gate says what set-up would have said of the
            // configuration's problems (conf_asked).
            handle->conf_asked = config_says_safety(handle->confdir);
            if (handle->conf_asked)
                run_hook(handle, "conf", nullptr);
        } else if (id == PLUGIN_HOOK_ID_CONTEXT_PRE_TRANSACTION) {
            HyGoal goal = hookContextTransactionGetGoal(hookData);
            if (goal && (handle->conf_asked || may_move_rocm(handle, goal)))
                run_hook(handle, "pre_transaction", goal);
        } else if (id == PLUGIN_HOOK_ID_CONTEXT_TRANSACTION && handle->report_pending) {
            handle->report_pending = false;
            run_hook(handle, "transaction", nullptr);   // rpm has run: the report says so
        }
    } catch (const Refusal &refusal) {
        refuse(hookData, refusal);      // the one exception that must reach libdnf
    } catch (const std::exception &problem) {
        // Out of memory, excludepkgs refused...: before the helper ever answered too,
        // so the configuration files say whether to fail closed, as in run_hook.
        try {
            if (handle->fail_closed < 0)
                handle->fail_closed = config_says_safety(handle->confdir);
        } catch (const std::exception &) {}     // nothing may leave this hook but a Refusal
        if (id == PLUGIN_HOOK_ID_CONTEXT_PRE_TRANSACTION && handle->fail_closed == 1)
            refuse(hookData, Refusal(std::string("rocm_notice: could not evaluate ROCm "
                                                 "policy: ") + problem.what() + "; the "
                                     "transaction is blocked because policy says lock or "
                                     "block."));
        fprintf(stderr, handle->fail_closed == 1 ? MSG_HELPER_CLOSED : MSG_HELPER,
                problem.what());
    }
    return 1;       // never 0: libdnf would then skip the transaction and report success
}

}  // extern "C"
