#pragma once
// Everything public in one include: the engine layer, the compose loader,
// orchestration (up, down, ps), the base image, the test fixture and its Slurm
// module.

#include <berth/backend.hpp>
#include <berth/base_image.hpp>
#include <berth/cancel.hpp>
#include <berth/compose/graph.hpp>
#include <berth/compose/loader.hpp>
#include <berth/compose/model.hpp>
#include <berth/compose/serialize.hpp>
#include <berth/compose/units.hpp>
#include <berth/container.hpp>
#include <berth/discovery.hpp>
#include <berth/endpoint.hpp>
#include <berth/engine.hpp>
#include <berth/errors.hpp>
#include <berth/export.hpp>
#include <berth/fixture.hpp>
#include <berth/health.hpp>
#include <berth/image.hpp>
#include <berth/orchestrate.hpp>
#include <berth/resources.hpp>
#include <berth/slurm/cluster.hpp>
#include <berth/wait.hpp>
