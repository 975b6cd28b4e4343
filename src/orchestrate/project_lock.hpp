#pragma once

#include <string>

namespace berth::orchestrate {

/// Serialises `up` and `down` of one project on one engine across processes
/// (an advisory lock file under the runtime or temporary folder).
class ProjectLock {
  public:
    ProjectLock(const std::string& engine_uri, const std::string& project);
    ~ProjectLock();
    ProjectLock(const ProjectLock&) = delete;
    ProjectLock& operator=(const ProjectLock&) = delete;

  private:
    int descriptor_ = -1;
};

}  // namespace berth::orchestrate
