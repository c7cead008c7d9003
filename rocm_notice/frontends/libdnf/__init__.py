"""libdnf (PackageKit, microdnf): the helper the C++ plugin runs (libdnf-plugin/)."""
