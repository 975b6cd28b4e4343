#pragma once
// A Debian base image made from Debian's packages, for machines that reach no
// container registry: debootstrap into a temporary folder, then the folder is
// streamed as a tar to the engine's image import.

#include <berth/engine.hpp>
#include <berth/export.hpp>
#include <berth/image.hpp>

#include <filesystem>
#include <string>

namespace berth {

struct BaseImageOptions {
    std::string reference = "berth/debian:bookworm";
    std::string suite = "bookworm";
    /// Empty: the mirror this machine's apt uses (so proxies and local
    /// mirrors keep working), else debootstrap's own default.
    std::string mirror;
    /// Where the root filesystem tar is kept, so that a second engine on the
    /// same machine imports it without bootstrapping again. Empty: none kept.
    std::filesystem::path cache_dir;
    /// Import again even when the engine has the image.
    bool force = false;
};

enum class BaseImageOutcome {
    already_present,  ///< the engine had the image; nothing was done
    imported_from_cache,
    bootstrapped,
};

/// Where the root filesystem cache is kept by default: /var/cache/berth,
/// which root fills and every user's engine can import from.
BERTH_API std::filesystem::path default_base_image_cache();

/// The default options with the cache in default_base_image_cache().
BERTH_API BaseImageOptions cached_base_image_options();

/// The cached root filesystem tar for these options ("" without a cache).
BERTH_API std::filesystem::path cached_root_filesystem(const BaseImageOptions& options);

/// Makes sure the engine has the base image. debootstrap needs root; without
/// it this throws UsageError saying how to use a registry base instead.
BERTH_API BaseImageOutcome ensure_base_image(Engine& engine, const BaseImageOptions& options,
                                             const ProgressCallback& progress = {});

/// The first Debian mirror in this machine's apt sources, or "".
BERTH_API std::string host_debian_mirror();

}  // namespace berth
