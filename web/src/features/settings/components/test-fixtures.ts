import type { ProjectSettings } from '../api/project-settings';

/** The settings the component tests start from (the end-to-end seed's project, as created). */
export const SAVED_SETTINGS: ProjectSettings = {
  name: 'vision',
  description: 'Image classification runs',
  namingPattern: '^.+$',
  parentFromName: true,
  missingParentMakesRoot: false,
  ignoredFeaturePaths: ['seed'],
  environmentVariables: ['CUDA_*', 'OMP_NUM_THREADS'],
  evidenceSupportThreshold: 3,
  evidenceRefuteThreshold: 3,
};
