import { InMemoryArtifactService, InMemorySessionService } from '@earshot/core';
import { artifactServiceConformance, sessionServiceConformance } from '@earshot/testing/conformance';

sessionServiceConformance('InMemorySessionService', () => new InMemorySessionService());
artifactServiceConformance('InMemoryArtifactService', () => new InMemoryArtifactService());
