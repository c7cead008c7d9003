"""libdnf (PackageKit, microdnf): what the native helper reads through hawkey for libdnf's
C++ plugin (libdnf-plugin/)."""
