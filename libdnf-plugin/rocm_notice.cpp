// rocm_notice: the libdnf plugin (PackageKit, microdnf) of rocm-epel-notice.
//
// A thin front door: at the CONF hook (end of dnf_context_setup) and at PRE_TRANSACTION
// (after the user said yes and the packages were downloaded, before rpm runs) it hands
// the context to the Python helper (rocm_notice/frontends/native/helper.py; protocol
// version 1 in native/PROTOCOL.md, spoken by native/helper_client.hpp) and does what the
// answer says: print its lines on stderr, keep the excludepkgs patterns it gives (a
// lock's hold), and refuse the transaction by throwing a libdnf::Error, which libdnf
// turns into a GError (returning 0 from the hook would make dnf_context_run report
// success with nothing installed). At TRANSACTION (rpm has run), the gate's helper marks
// its report applied. Nothing is decided here.
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

#include <atomic>
#include <functional>
#include <stdexcept>

#include "../native/helper_client.hpp"

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

extern char *program_invocation_short_name;

namespace {

// How to leave the plugin out (the refusal says it when the helper cannot answer):
// microdnf does it for one run; packagekitd has no such option, and loads its plugins
// when it sets its context up, once for hours.
const char *remedy()
{
    if (strcmp(program_invocation_short_name, "microdnf") == 0)
        return "run microdnf with --disableplugin=rocm_notice for this one run";
    if (strcmp(program_invocation_short_name, "packagekitd") == 0)
        return "remove the rocm_notice plugin from libdnf's plugin directory and restart "
               "packagekitd (systemctl restart packagekit)";
    return "remove the rocm_notice plugin from libdnf's plugin directory";
}

const PluginInfo INFO = {"rocm_notice", "1"};

// The refusal: dnf_transaction_commit turns it into its GError (DNF_ERROR_INTERNAL_ERROR
// with our message), so dnf_context_run and PackageKit fail with it.
struct Refusal : libdnf::Error {
    explicit Refusal(const std::string &message) : libdnf::Error(message) {}
};

// -- the request: JSON ------------------------------------------------------------------

// ``"key":[...],`` from ``deps`` (freed here); ``sonames``: only those that can name one.
void json_deps(std::string &out, const char *key, DnfReldepList *deps, bool sonames = false)
{
    json_string(out, key);
    out += ":[";
    int count = deps ? dnf_reldep_list_count(deps) : 0;
    bool first = true;
    for (int i = 0; i < count; ++i) {
        DnfReldep *dep = dnf_reldep_list_index(deps, i);
        const char *text = dnf_reldep_to_string(dep);
        if (!sonames || names_a_soname(text)) {
            if (!first)
                out += ',';
            first = false;
            json_string(out, text);
        }
        dnf_reldep_free(dep);
    }
    out += "],";
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

// Whether a goal package may be ROCm's: the names file knows it, or it comes in and
// obsoletes a package (it may take a ROCm package's place).
bool may_be_rocm(const Names &known, DnfPackage *pkg, const char *direction)
{
    if (names_know(known, dnf_package_get_name(pkg), dnf_package_get_version(pkg),
                   dnf_package_get_sourcerpm(pkg)))
        return true;
    if (strcmp(direction, "in") != 0)
        return false;
    DnfReldepList *obsoletes = dnf_package_get_obsoletes(pkg);     // it may replace one
    bool replaces = obsoletes && dnf_reldep_list_count(obsoletes) > 0;
    if (obsoletes)
        dnf_reldep_list_free(obsoletes);
    return replaces;
}

// A goal package: whole where it may be ROCm's (``NamesFilter``), else who it is and,
// coming in, the requires that can name a soname.
void json_package(std::string &out, DnfPackage *pkg, const char *direction, const char *action,
                  const NamesFilter &filter)
{
    bool whole = filter.every || may_be_rocm(filter.known, pkg, direction);
    out += '{';
    json_key(out, "direction", direction);
    json_key(out, "action", action);
    json_identity(out, pkg);
    json_key(out, "repoid", dnf_package_get_reponame(pkg));
    if (whole) {
        json_deps(out, "provides", dnf_package_get_provides(pkg));
        json_deps(out, "obsoletes", dnf_package_get_obsoletes(pkg));
    }
    if (strcmp(direction, "in") == 0)       // for consumers of a new line
        json_deps(out, "requires", dnf_package_get_requires(pkg), !whole);
    close_object(out);
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

void json_items(std::string &out, HyGoal goal, const NamesFilter &filter)
{
    bool first = true;
    out += "\"items\":[";
    each_item(goal, [&](DnfPackage *pkg, const char *direction, const char *action) {
        if (!first)
            out += ',';
        first = false;
        json_package(out, pkg, direction, action, filter);
    });
    out += "],";
}

// An installed package, as the analysis reads it: its NEVRA, source RPM and the provides
// that can name a soname (``names_a_soname``).
void json_installed(std::string &out, DnfPackage *pkg)
{
    out += '{';
    json_identity(out, pkg);
    json_deps(out, "provides", dnf_package_get_provides(pkg), true);
    close_object(out);
}

// What libdnf's own package set says, so that the helper loads no metadata and no rpmdb
// of its own: the installed packages that may be ROCm's (``NamesFilter``; as the
// rpmdb has them: excludes do not apply), and the names of the available packages that
// look like compat ones (<name>X.Y: the notice offers them to keep an old line beside
// the new one).
void json_sack(std::string &out, HyGoal goal, const NamesFilter &filter)
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
    bool first = true;
    for (guint i = 0; pkgs && i < pkgs->len; ++i) {
        auto pkg = static_cast<DnfPackage *>(g_ptr_array_index(pkgs, i));
        if (!filter.wanted(dnf_package_get_name(pkg), dnf_package_get_version(pkg),
                           dnf_package_get_sourcerpm(pkg)))
            continue;
        if (!first)
            out += ',';
        first = false;
        json_installed(out, pkg);
    }
    g_autoptr(GPtrArray) offered = nullptr;
    {
        hy_autoquery HyQuery compat = hy_query_create(sack);
        hy_query_filter(compat, HY_PKG_REPONAME, HY_NEQ, HY_SYSTEM_REPO_NAME);
        hy_query_filter(compat, HY_PKG_NAME, HY_GLOB, "*[0-9].[0-9]*");
        offered = hy_query_run(compat);
    }
    out += "],";
    std::set<std::string> names;
    for (guint i = 0; offered && i < offered->len; ++i)
        names.insert(dnf_package_get_name(static_cast<DnfPackage *>(g_ptr_array_index(offered, i))));
    json_strings(out, "compat_available", names);
}

// The enabled repositories' cached metadata, as libdnf reads it (check: no download).
// ``located``: only where each repository's repomd.xml lies (the helper reads which files
// it names): while libdnf loads repositories (on_progress), no libdnf call is made on
// one -- dnf_repo_check on a repository libdnf was downloading crashed microdnf.
void json_repos(std::string &out, DnfContext *context, bool check, bool located = false)
{
    out += "\"repos\":[";
    GPtrArray *repos = dnf_context_get_repos(context);
    bool first = true;
    for (guint i = 0; repos && i < repos->len; ++i) {
        auto repo = static_cast<DnfRepo *>(g_ptr_array_index(repos, i));
        if (!(dnf_repo_get_enabled(repo) & DNF_REPO_ENABLED_PACKAGES))
            continue;
        if (located) {
            const char *location = dnf_repo_get_location(repo);
            g_autofree gchar *repomd = g_build_filename(location ? location : "", "repodata",
                                                        "repomd.xml", NULL);
            out += first ? "{" : ",{";
            first = false;
            json_key(out, "repomd", repomd);
            json_string(out, "id");
            out += ':';
            json_string(out, dnf_repo_get_id(repo));
            out += '}';
            continue;
        }
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

// -- the plugin ---------------------------------------------------------------------------

}  // namespace

struct _PluginHandle {
    DnfContext *context = nullptr;
    std::string confdir;
    std::string base_excludes;      // excludepkgs as the configuration set it
    bool have_base = false;
    std::vector<std::string> excludes;  // ours, as last set
    Fallback fallback;              // the policy as last said; a failure said once per context
    bool report_pending = false;    // the last answer wrote a report this transaction applies
    Helper waiting;                 // the gate's helper, waiting for the transaction's request
    bool holds = false;             // a lock is in force (the helper said so)
    bool conf_asked = true;         // the helper was asked at set-up (said the config's problems)
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
        json_repos(out, handle->context, goal == nullptr,
                   strcmp(hook, "repos_changed") == 0);
    if (goal && !handle->conf_asked)      // set-up was not asked: the gate says the problems
        out += "\"conf_asked\":false,";
    if (goal) {
        NamesFilter filter(handle->confdir);
        json_items(out, goal, filter);
        json_sack(out, goal, filter);
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
    const Names &known = names_file();
    if (!known.ok || any_config(handle->confdir, asks_always))
        return true;
    bool found = false;
    each_item(goal, [&](DnfPackage *pkg, const char *direction, const char *) {
        found = found || may_be_rocm(known, pkg, direction);
    });
    return found;
}

// Ask the helper about this hook and carry out its answer.
void run_hook(PluginHandle *handle, const char *hook, HyGoal goal)
{
    bool hold_hook = strcmp(hook, "conf") == 0 || strcmp(hook, "repos_changed") == 0;
    if (hold_hook)      // the metadata the hold is worked out from, as it is now
        handle->stamp = repos_stamp(handle->context);
    // The gate's helper may wait for the transaction's request (``Helper``), and answers
    // only that.
    bool after = strcmp(hook, "transaction") == 0;
    std::string files = handle->fallback.asking(handle->confdir);
    Answer answer = ask(request_for(handle, hook, goal), "libdnf",
                        after ? &handle->waiting : nullptr, goal ? &handle->waiting : nullptr);
    // A hold worked out again says its lines only when they changed (one notice a run).
    bool quiet = strcmp(hook, "repos_changed") == 0 && answer.messages == handle->hold_lines;
    if (hold_hook && answer.ok)
        handle->hold_lines = answer.messages;
    for (const auto &line : answer.messages)
        if (!quiet)
            fprintf(stderr, "%s\n", line.c_str());
    handle->fallback.heard(answer.fail_closed, files);
    if (!answer.ok) {
        std::string refusal = handle->fallback.no_answer(
            answer.problem, handle->confdir, goal != nullptr,
            strcmp(hook, "transaction") == 0, remedy());
        if (!refusal.empty())
            throw Refusal(refusal);
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
            // A new transaction: whatever the last gate left (libdnf calls TRANSACTION
            // only after rpm ran well: a failed one left its report pending and its
            // helper waiting) is not this one's.
            handle->report_pending = false;
            handle->waiting.end();
            HyGoal goal = hookContextTransactionGetGoal(hookData);
            if (goal && (handle->conf_asked || may_move_rocm(handle, goal)))
                run_hook(handle, "pre_transaction", goal);
        } else if (id == PLUGIN_HOOK_ID_CONTEXT_TRANSACTION && handle->report_pending) {
            handle->report_pending = false;
            run_hook(handle, "transaction", nullptr);   // rpm has run: the report says so
        } else if (id == PLUGIN_HOOK_ID_CONTEXT_TRANSACTION) {
            handle->waiting.end();
        }
    } catch (const Refusal &refusal) {
        refuse(hookData, refusal);      // the one exception that must reach libdnf
    } catch (const std::exception &problem) {
        // Out of memory, excludepkgs refused...: before the helper ever answered too,
        // so the configuration files say whether to fail closed, as in run_hook.
        std::string refusal;
        try {
            refusal = handle->fallback.no_answer(
                problem.what(), handle->confdir, id == PLUGIN_HOOK_ID_CONTEXT_PRE_TRANSACTION,
                id == PLUGIN_HOOK_ID_CONTEXT_TRANSACTION, remedy());
        } catch (const std::exception &) {}     // nothing may leave this hook but a Refusal
        if (!refusal.empty())
            refuse(hookData, Refusal(refusal));
    }
    return 1;       // never 0: libdnf would then skip the transaction and report success
}

}  // extern "C"
