/* Drive libdnf's C API the way PackageKit's dnf backend (and microdnf) do, for the
 * end-to-end tests of the libdnf plugin.
 *
 *   libdnf_driver ROOT REPOSDIR CACHEDIR PLUGINSDIR [--best] [--between CMD] ACTION [NAME...]
 *
 * ACTION: upgrade-all (microdnf upgrade), update-packages (PackageKit's "Update All":
 * every available upgrade, each asked for by package, as its get-updates lists them) or
 * install NAME... A DnfContext with that install root, repo dir, cache and plugins dir;
 * setup; the goal; --best: depsolve with DNF_FORCE_BEST first (EL10's best=True); run.
 * Prints "run: TRUE" or "run: FALSE: <message>" on stdout, exits 0 or 1 (2: bad use or a
 * set-up failure, the message on stdout). --between CMD runs CMD (a shell command) after
 * the context's setup and before the sack loads: how a test changes the repositories
 * under a long-running front end such as packagekitd. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdnf/dnf-context.h>
#include <libdnf/dnf-goal.h>
#include <libdnf/dnf-transaction.h>
#include <libdnf/hy-goal.h>
#include <libdnf/hy-query.h>
#include <libdnf/hy-packageset.h>

static int fail(const char *where, GError *error)
{
    printf("setup: FALSE: %s: %s\n", where, error ? error->message : "?");
    return 2;
}

static gboolean update_packages(DnfContext *context, GError **error)
{
    if (!dnf_context_setup_sack(context, dnf_context_get_state(context), error))
        return FALSE;
    HyQuery query = hy_query_create(dnf_context_get_sack(context));
    hy_query_filter_upgrades(query, 1);
    hy_query_filter_latest_per_arch(query, 1);
    GPtrArray *pkgs = hy_query_run(query);
    for (guint i = 0; i < pkgs->len; i++)
        hy_goal_upgrade_to(dnf_context_get_goal(context), g_ptr_array_index(pkgs, i));
    g_ptr_array_unref(pkgs);
    hy_query_free(query);
    return TRUE;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    if (argc < 6) {
        printf("usage: %s ROOT REPOSDIR CACHEDIR PLUGINSDIR [--best] ACTION [NAME...]\n", argv[0]);
        return 2;
    }
    int arg = 5;
    gboolean best = strcmp(argv[arg], "--best") == 0;
    if (best)
        arg++;
    const char *between = NULL;
    if (arg + 1 < argc && strcmp(argv[arg], "--between") == 0) {
        between = argv[arg + 1];
        arg += 2;
    }
    if (arg >= argc) {
        printf("usage: no ACTION\n");
        return 2;
    }
    const char *action = argv[arg++];
    g_autofree gchar *metadata = g_build_filename(argv[3], "metadata", NULL);
    g_autofree gchar *solv = g_build_filename(argv[3], "hawkey", NULL);
    g_autofree gchar *lock = g_build_filename(argv[3], "lock", NULL);

    dnf_context_set_config_file_path("");     /* never the host's /etc/dnf/dnf.conf */
    DnfContext *context = dnf_context_new();
    dnf_context_set_install_root(context, argv[1]);
    dnf_context_set_repo_dir(context, argv[2]);
    dnf_context_set_cache_dir(context, metadata);
    dnf_context_set_solv_dir(context, solv);
    dnf_context_set_lock_dir(context, lock);
    dnf_context_set_release_ver(context, "10");
    dnf_context_set_check_disk_space(context, FALSE);
    dnf_context_set_plugins_dir(context, argv[4]);
    if (!dnf_context_setup(context, NULL, &error))
        return fail("dnf_context_setup", error);
    if (between && system(between) != 0) {
        printf("setup: FALSE: %s failed\n", between);
        return 2;
    }

    gboolean ok = TRUE;
    if (strcmp(action, "upgrade-all") == 0) {
        ok = dnf_context_update_all(context, &error);
    } else if (strcmp(action, "update-packages") == 0) {
        ok = update_packages(context, &error);
    } else if (strcmp(action, "install") == 0) {
        for (; ok && arg < argc; arg++)
            ok = dnf_context_install(context, argv[arg], &error);
    } else {
        printf("usage: unknown ACTION %s\n", action);
        return 2;
    }
    if (!ok)
        return fail(action, error);

    if (best) {     /* as a front end with best=True resolves, before running */
        if (!dnf_goal_depsolve(dnf_context_get_goal(context),
                               DNF_ALLOW_UNINSTALL | DNF_FORCE_BEST, &error)) {
            printf("run: FALSE: %s\n", error->message);
            return 1;
        }
        dnf_transaction_set_dont_solve_goal(dnf_context_get_transaction(context), TRUE);
    }
    if (!dnf_context_run(context, NULL, &error)) {
        printf("run: FALSE: %s\n", error ? error->message : "(no error set)");
        g_object_unref(context);
        return 1;
    }
    printf("run: TRUE\n");
    g_object_unref(context);
    return 0;
}
