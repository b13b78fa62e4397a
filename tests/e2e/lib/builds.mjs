// Which package build has the user actions (docs/formats.md "Builds").
export const ACTIONS_BUILD = 'full';
