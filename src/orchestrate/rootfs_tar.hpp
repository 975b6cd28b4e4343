#pragma once
// The base image's root file system as a tar, for the engine's import.

#include <filesystem>

namespace berth::orchestrate {

/// Writes root (a debootstrap folder) to tar_file, leaving out device nodes,
/// kernel file systems and apt's downloads. Throws Error naming the file when
/// any part cannot be read or written.
void write_rootfs_tar(const std::filesystem::path& root, const std::filesystem::path& tar_file);

}  // namespace berth::orchestrate
