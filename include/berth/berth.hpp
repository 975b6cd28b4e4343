#pragma once
// Everything public in one include.

#include <berth/backend.hpp>
#include <berth/cancel.hpp>
#include <berth/container.hpp>
#include <berth/discovery.hpp>
#include <berth/endpoint.hpp>
#include <berth/engine.hpp>
#include <berth/errors.hpp>
#include <berth/health.hpp>
#include <berth/image.hpp>
#include <berth/resources.hpp>
